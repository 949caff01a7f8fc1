"""Repeated edit: the last edit, generalised, at the next place it fits."""

import pytest

from edit_sessions import applied, changed_lines, predict, session
from nxedit.model.edits import LineEdit
from nxedit.model.structural import engine
from nxedit.model.structural.candidates import Candidate, undoes
from nxedit.model.structural.history import Hunk


def test_python_same_keyword_argument_added_to_the_next_identical_call():
    before = (
        "def run():\n    result = compute(alpha, beta)\n    log(result)\n\n\n\n"
        "def again():\n    result = compute(alpha, beta)\n"
    )
    req = session(before, ("    result = compute(alpha, beta)\n", "    result = compute(alpha, beta, strict=True)\n"))
    s = predict(req)
    assert s.source == "structural:repeat"
    old, new = changed_lines(req, s)
    assert old == ["    result = compute(alpha, beta)\n"] and new == "    result = compute(alpha, beta, strict=True)\n"


def test_a_look_alike_that_differs_is_left_alone():
    before = (
        "result = compute(alpha, beta)\n\n\n\n"
        "other = compute_all(alpha, beta)\n"  # another function
        "# compute(alpha, beta) in prose\n"  # not code
    )
    req = session(before, ("result = compute(alpha, beta)\n", "result = compute(alpha, beta, strict=True)\n"))
    assert predict(req, min_confidence=0.0) is None


def test_rust_unwrap_to_question_mark_generalises_over_names():
    before = (
        "fn load() -> Result<(), Error> {\n    let a = read(first).unwrap();\n\n\n\n"
        "    let b = read(second).unwrap();\n    Ok(())\n}\n"
    )
    req = session(before, ("    let a = read(first).unwrap();\n", "    let a = read(first)?;\n"), language="rust")
    old, new = changed_lines(req, predict(req))
    assert old == ["    let b = read(second).unwrap();\n"] and new == "    let b = read(second)?;\n"


def test_go_copied_name_is_a_hole_bound_at_the_target():
    before = (
        "package m\n\nfunc f() {\n\tvar failure = MessageError(ctx, message)\n\n\n\n"
        "\tvar failure = DisplayError(ctx, message)\n}\n"
    )
    req = session(before, ("\tvar failure = MessageError(ctx, message)\n",
                           "\tvar failure MessageError = MessageError(ctx, message)\n"), language="go")
    old, new = changed_lines(req, predict(req))
    assert new == "\tvar failure DisplayError = DisplayError(ctx, message)\n"


def test_a_short_edit_alone_is_not_enough_to_repeat():
    before = "package m\n\nfunc f() {\n\tp.shutdown(true)\n\n\n\n\tp.shutdown(true)\n}\n"
    req = session(before, ("\tp.shutdown(true)\n", "\tp.cancel()\n"), language="go")
    assert predict(req) is None  # a few tokens look like many unrelated places


def test_go_wrapper_generalises_over_what_it_wraps_after_two_examples():
    lines = ["\treturn load(a)\n", "\treturn parse(b)\n", "\treturn check(c)\n"]
    before = "package m\n\nfunc f() error {\n" + "\n\n\n".join(lines) + "}\n"
    one = session(before, (lines[0], "\treturn wrap(load(a))\n"), language="go")
    assert predict(one) is None  # one wrapped call says nothing about other calls
    two = session(before, (lines[0], "\treturn wrap(load(a))\n"), (lines[1], "\treturn wrap(parse(b))\n"),
                  language="go")
    old, new = changed_lines(two, predict(two))
    assert new == "\treturn wrap(check(c))\n"


def test_typescript_multi_line_edit_is_reindented_at_the_target():
    wait = "await new Promise((resolve) => setTimeout(resolve, 10))"
    before = f"function a() {{\n  {wait}\n}}\n\n\n\nclass B {{\n  async run() {{\n      {wait}\n  }}\n}}\n"
    req = session(before, (f"  {wait}\n", f"  while (!ready) {{\n    {wait}\n  }}\n"), language="typescript")
    old, new = changed_lines(req, predict(req))
    assert old == [f"      {wait}\n"]
    assert new == f"      while (!ready) {{\n        {wait}\n      }}\n"


def test_two_examples_generalise_where_they_differ_and_are_more_confident():
    lines = [f'    src = EnvSource(key="{k}")\n' for k in ("foo", "bar", "baz")]
    before = "def t():\n" + "\n\n\n".join(lines)
    one = session(before, (lines[0], '    src = env_var("foo")\n'))
    two = session(before, (lines[0], '    src = env_var("foo")\n'), (lines[1], '    src = env_var("bar")\n'))
    s1, s2 = predict(one), predict(two, min_confidence=0.0)
    assert s1 is None or s1.confidence < s2.confidence
    old, new = changed_lines(two, s2)
    assert new == '    src = env_var("baz")\n'


def test_same_argument_appended_to_the_next_call_of_that_function():
    before = (
        "def f(self):\n    raise NoSuchOption(opt, possibilities=possibilities)\n\n\n\n"
        "def g(self):\n    raise NoSuchOption(opt)\n"
    )
    req = session(before, ("    raise NoSuchOption(opt, possibilities=possibilities)\n",
                           "    raise NoSuchOption(opt, possibilities=possibilities, ctx=self.ctx)\n"))
    old, new = changed_lines(req, predict(req))
    assert new == "    raise NoSuchOption(opt, ctx=self.ctx)\n"


def test_lines_inserted_between_the_same_neighbours_elsewhere():
    block = "<video\n  muted\n  width=1\n/>\n\n\n\n"
    req = session(block * 3, ("  width=1\n", "  playsInline\n  width=1\n"), language="typescript", path="a.tsx")
    assert predict(req) is None  # one insertion: maybe only that video needed it
    req = session(block * 3, ("  width=1\n", "  playsInline\n  width=1\n"),
                  ("  muted\n  width=1\n", "  muted\n  playsInline\n  width=1\n"), language="typescript", path="a.tsx")
    s = predict(req)
    assert applied(req, s).count("playsInline") == 3


def test_one_deleted_line_is_not_enough_but_two_are():
    attr = '    #[cfg(feature = "std")]\n'
    body = "    fn f() {}\n"
    before = "impl A {\n" + (attr + body + "\n\n\n") * 3 + "}\n"
    one = session(before, (attr + body, body), language="rust")
    assert predict(one) is None
    two = session(before, (attr + body, body), (attr + body, body), language="rust")
    s = predict(two)
    assert s is not None and s.edits[0].new_text == "" and s.edits[0].end_line - s.edits[0].start_line == 1


def test_never_proposes_what_undoes_the_last_edit(monkeypatch):
    before = "a = 1\nb = 2\n"
    req = session(before, ("a = 1\n", "a = 10\n"))

    def undo_it(ctx):
        return [Candidate(LineEdit(0, 1, "a = 1\n"), "structural:repeat", 0.99, "test")]

    monkeypatch.setattr(engine, "BEHAVIOURS", (undo_it,))
    assert predict(req) is None


@pytest.mark.parametrize("edit, expected", [
    (LineEdit(3, 4, "x = 1\n"), True),  # brings the removed line back
    (LineEdit(3, 4, "x = 3\n"), False),  # another change of the same line
    (LineEdit(9, 10, "x = 1\n"), False),  # the same text elsewhere is a repeat, not an undo
])
def test_undo_guard(edit, expected):
    last = Hunk("x = 1\n", "x = 2\n", 3, 4, True)
    lines = ["\n"] * 3 + ["x = 2\n"] + ["\n"] * 10
    assert undoes(edit, lines, last) is expected


def test_empty_history_abstains_at_once():
    req = session("a = 1\n")
    assert predict(req) is None

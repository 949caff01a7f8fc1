"""Rename ripple: the next remaining occurrence of a renamed name, scope-aware."""

from edit_sessions import applied, changed_lines, predict, session

PY_TWO_FUNCTIONS = """\
def first(items):
    total = 0
    for x in items:
        total += x



    return total


def second(values):
    total = 1
    return total + len(values)
"""


def test_python_local_rename_stays_in_its_function():
    req = session(PY_TWO_FUNCTIONS, ("    total = 0\n", "    count = 0\n"))
    s = predict(req)
    assert s is not None and s.source == "structural:rename"
    old, new = changed_lines(req, s)
    assert old == ["        total += x\n"] and new == "        count += x\n"
    # after both renames in `first`, the same-named local of `second` is another variable
    req2 = session(PY_TWO_FUNCTIONS, ("    total = 0\n", "    count = 0\n"),
                   ("        total += x\n", "        count += x\n"), ("    return total\n", "    return count\n"))
    assert predict(req2) is None


def test_python_local_rename_skips_member_access():
    before = "def f(node):\n    name = node.label\n    print(node.name)\n    return name\n"
    req = session(before, ("    name = node.label\n", "    title = node.label\n"))
    s = predict(req)
    old, new = changed_lines(req, s)
    assert old == ["    return name\n"] and new == "    return title\n"


def test_file_wide_rename_of_a_method_reaches_its_definition():
    before = (
        "class Auth:\n    def flow(self, url):\n        yield self.build_header(url.user)\n\n"
        "    def build_header(self, user):\n        return user\n"
    )
    req = session(before, ("        yield self.build_header(url.user)\n", "        yield self._build_header(url.user)\n"))
    s = predict(req)
    assert applied(req, s).count("def _build_header(self, user):") == 1


def test_rust_rename_of_a_type_ripples_to_struct_and_impl():
    before = (
        "pub struct Error {\n    inner: Box<InnerImpl>,\n}\n\n\n\n"
        "struct InnerImpl {\n    msg: String,\n}\n\n\n\nimpl InnerImpl {\n    fn new() -> Self { todo!() }\n}\n"
    )
    req = session(before, ("    inner: Box<InnerImpl>,\n", "    inner: Box<ErrorImpl>,\n"), language="rust")
    s = predict(req)
    old, new = changed_lines(req, s)
    assert old == ["struct InnerImpl {\n"] and new == "struct ErrorImpl {\n"


def test_go_rename_of_a_function_updates_next_call():
    before = "package main\n\nfunc fetchData() int { return 1 }\n\n\n\nfunc main() {\n\tx := fetchData()\n\t_ = x\n}\n"
    req = session(before, ("func fetchData() int { return 1 }\n", "func loadData() int { return 1 }\n"), language="go")
    old, new = changed_lines(req, predict(req))
    assert old == ["\tx := fetchData()\n"] and new == "\tx := loadData()\n"


def test_typescript_rename_of_a_class_in_the_next_type_annotation():
    before = "class Store {}\n\n\n\nfunction make(): Store {\n  return new Store()\n}\n"
    req = session(before, ("class Store {}\n", "class Repository {}\n"), language="typescript")
    old, new = changed_lines(req, predict(req))
    assert old == ["function make(): Store {\n", "  return new Store()\n"]
    assert new == "function make(): Repository {\n  return new Repository()\n"


def test_same_named_field_of_another_struct_is_not_renamed():
    before = "type A struct {\n\tSummary string\n}\n\n\n\ntype B struct {\n\tSummary string\n}\n"
    req = session("package m\n\n" + before, ("\tSummary string\n", "\tUsage string\n"), language="go")
    assert predict(req) is None


def test_renaming_to_a_name_already_in_use_needs_a_second_example():
    before = "a = 1\nb = 2\n\n\n\nprint(a)\nprint(b)\n"
    req = session(before, ("a = 1\n", "b = 1\n"))
    assert predict(req) is None  # `b` existed: this is a change of meaning, not a rename


def test_rename_without_a_grammar_uses_tokens_only():
    before = "local speed = 1\n\n\n\nprint(speed)\n"
    req = session(before, ("local speed = 1\n", "local velocity = 1\n"), language="lua", path="x.lua")
    old, new = changed_lines(req, predict(req))
    assert old == ["print(speed)\n"] and new == "print(velocity)\n"


def test_prose_word_changed_in_a_comment_is_not_a_rename():
    before = "# it is used by the parser\nx = 1\n\n\n\n# called by the user\n"
    req = session(before, ("# it is used by the parser\n", "# it is used from the parser\n"))
    assert predict(req) is None

"""Inserted or deleted lines, repeated next to look-alike code (similar.py).

The cases are shaped after real train-split commits the engine used to miss (go-chi's
``t.Helper()``, gin's ``// WrapH ...`` doc comment, starlette's debug ``print`` lines)."""

from edit_sessions import session
from nxedit.model.predict.structural.engine import candidates, make_context
from nxedit.model.predict.structural.similar import RULE_DELETE, RULE_INSERT, RULE_RENAMED
from nxedit.model.text.plain import split_lines


def similar_candidates(req):
    ctx = make_context(req.current, req.cursor, [h.to_dict() for h in req.history], req.language, req.path)
    return [c for c in candidates(ctx, strict=True) if c.rule.startswith((RULE_INSERT, RULE_DELETE, RULE_RENAMED))
            and c.source == "structural:repeat"]


def only_edit(req):
    (c,) = similar_candidates(req)
    lines = split_lines(req.current)
    return lines[c.edit.start_line : c.edit.end_line], c.edit.new_text, c.edit.start_line, c


GO_HELPERS = """package m

func assertNoError(t *testing.T, err error) {
\tif err != nil {
\t\tt.Fatalf("expecting no error")
\t}
}

func assertNotNil(t *testing.T, err error) {
\tif err == nil {
\t\tt.Fatalf("expecting error")
\t}
}

func assertError(t *testing.T, err error) {
\tif err == nil {
\t\tt.Fatalf("expecting error")
\t}
}
"""


def test_a_line_inserted_at_the_top_of_two_helpers_goes_to_the_next_look_alike_helper():
    once = session(GO_HELPERS, ("\tif err != nil {\n", "\tt.Helper()\n\tif err != nil {\n"), language="go")
    assert similar_candidates(once) == []  # one insertion: maybe only that helper needed it
    req = session(GO_HELPERS, ("\tif err != nil {\n", "\tt.Helper()\n\tif err != nil {\n"),
                  ("\tif err == nil {\n", "\tt.Helper()\n\tif err == nil {\n"), language="go")
    old, new, at, c = only_edit(req)
    assert old == [] and new == "\tt.Helper()\n"
    assert split_lines(req.current)[at - 1] == "func assertError(t *testing.T, err error) {\n"
    assert c.rule == RULE_INSERT


def test_names_copied_from_the_neighbour_follow_the_target_neighbour():
    before = (
        "package gin\n\nfunc Wrap() {\n}\n\n"
        "func WrapF(f http.HandlerFunc) HandlerFunc {\n\treturn nil\n}\n\n"
        "func WrapG(f http.HandlerFunc) HandlerFunc {\n\treturn nil\n}\n\n"
        "func WrapH(h http.Handler) HandlerFunc {\n\treturn nil\n}\n"
    )
    doc = "// Wraps an http.HandlerFunc as a Gin middleware\n"
    f, g = "func WrapF(f http.HandlerFunc) HandlerFunc {\n", "func WrapG(f http.HandlerFunc) HandlerFunc {\n"
    req = session(before, (f, doc + f), (g, doc + g), language="go")
    made = {(c.edit.start_line, c.edit.new_text) for c in similar_candidates(req)}
    at = split_lines(req.current).index("func WrapH(h http.Handler) HandlerFunc {\n")
    assert (at, "// Wraps an http.Handler as a Gin middleware\n") in made


def test_words_inside_a_string_are_not_renamed_with_the_code():
    before = (
        "fn tick_chars(s: &str) {\n    let t = s.chars().collect();\n    done(t)\n}\n\n"
        "fn tick_more(s: &str) {\n    let t = s.chars().collect();\n    done(t)\n}\n\n"
        "fn tick_iter(s: &str) {\n    let t = s.iter().collect();\n    done(t)\n}\n"
    )
    line = '    check(s.chars(), "two tick chars at least");\n'
    tail = "    done(t)\n}\n\nfn tick_iter(s: &str) {\n"
    req = session(before, ("    done(t)\n", line + "    done(t)\n"), (tail, line + tail), language="rust")
    made = {c.edit.new_text for c in similar_candidates(req)}
    assert '    check(s.iter(), "two tick chars at least");\n' in made


def test_a_line_deleted_once_goes_where_a_line_of_its_shape_sits_between_look_alikes():
    handler = ('    def on_field_{0}(self, data: bytes) -> None:\n        print("on_field_{0}")\n'
               '        message = (FormMessage.FIELD_{1}, b"")\n        self.messages.append(message)\n\n')
    before = "class Parser:\n" + handler.format("start", "START") + handler.format("name", "NAME")
    req = session(before, ('        print("on_field_start")\n', ""))
    old, new, _, c = only_edit(req)
    assert old == ['        print("on_field_name")\n'] and new == "" and c.rule == RULE_DELETE


def test_an_item_added_to_a_list_is_not_added_to_the_next_list():
    before = (
        "import (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar a = []string{\n\t\"fmt\",\n\t\"os\",\n}\n"
    )
    req = session(before, ('\t"os"\n', '\t"io"\n\t"os"\n'), ('\t"os"\n', '\t"io"\n\t"os"\n'), language="go")
    assert similar_candidates(req) == []  # lines like their neighbours: one more item of a list


def test_long_blocks_are_not_repeated_at_look_alikes():
    body = "    if self.cap == 0 {\n        return;\n    }\n    let x = 1;\n"
    before = ("fn advance_reader(&mut self, cnt: usize) {\n    cnt = min(cnt, self.read());\n}\n\n"
              "fn advance_writer(&mut self, cnt: usize) {\n    cnt = min(cnt, self.write());\n}\n")
    step = ("    cnt = min(cnt, self.read());\n", body + "    cnt = min(cnt, self.read());\n")
    req = session(before + before.replace("_reader", "_other"), step, step, language="rust")
    assert similar_candidates(req) == []


RUST_DOCS = """impl Bar {
    /// Sets the current prefix of the progress bar.
    pub fn set_prefix(&self, prefix: &str) {
        self.prefix = prefix;
    }

    /// Finishes the progress bar and sets a message.
    pub fn finish_with_message(&self, msg: &str) {
        self.finish(msg);
    }

    /// Abandons the progress bar and sets a message.
    pub fn abandon_with_message(&self, msg: &str) {
        self.abandon(msg);
    }
}
"""


def test_a_template_filled_in_twice_is_a_pattern_like_the_same_lines():
    # indicatif: the same doc paragraph, once for `{prefix}`, then for `{msg}`: the next
    # method taking a message gets it too (one example alone would not be enough)
    prefix = ("    ///\n    /// For the prefix to be visible, `{prefix}` placeholder\n"
              "    /// must be present in the template.\n")
    message = prefix.replace("the prefix", "the message").replace("{prefix}", "{msg}")
    first = ("    /// Sets the current prefix of the progress bar.\n",
             "    /// Sets the current prefix of the progress bar.\n" + prefix)
    second = ("    /// Finishes the progress bar and sets a message.\n",
              "    /// Finishes the progress bar and sets a message.\n" + message)
    old, new, at, c = only_edit(session(RUST_DOCS, first, second, language="rust"))
    assert (old, new, at) == ([], message, 18)  # under `/// Abandons ...`, above its `pub fn`
    # once: only the weaker guess between the example's own neighbours renamed (`/// Abandons ...`)
    once = similar_candidates(session(RUST_DOCS, second, language="rust"))
    assert [(c.rule, c.edit.start_line, c.confidence) for c in once] == [(RULE_RENAMED, 15, 0.45)]


def test_lines_inserted_once_go_between_the_same_neighbours_with_names_changed():
    # log: a SAFETY comment above one `From` impl's body goes above the next, its names following
    before = (
        "impl From<NonZeroU128> for Value {\n"
        "    fn from(v: NonZeroU128) -> Value {\n        Value::from_bag(unsafe { transmute::<NonZeroU128, u128>(v) })\n    }\n"
        "}\n\n"
        "impl From<NonZeroI128> for Value {\n"
        "    fn from(v: NonZeroI128) -> Value {\n        Value::from_bag(unsafe { transmute::<NonZeroI128, i128>(v) })\n    }\n"
        "}\n"
    )
    req = session(before, ("        Value::from_bag(unsafe { transmute::<NonZeroU128, u128>(v) })\n",
                           "        // SAFETY: `NonZeroU128` and `u128` have the same ABI\n"
                           "        Value::from_bag(unsafe { transmute::<NonZeroU128, u128>(v) })\n"), language="rust")
    found = [c for c in similar_candidates(req) if c.rule == RULE_RENAMED]
    assert len(found) == 1 and found[0].edit.new_text == "        // SAFETY: `NonZeroI128` and `i128` have the same ABI\n"
    assert split_lines(req.current)[found[0].edit.start_line - 1] == "    fn from(v: NonZeroI128) -> Value {\n"


def test_lines_inserted_once_need_both_neighbours_renamed_not_only_alike():
    # the next helper's `if err == nil` is alike but not the example's line renamed: one example says too little
    once = session(GO_HELPERS, ("\tif err != nil {\n", "\tt.Helper()\n\tif err != nil {\n"), language="go")
    assert [c for c in similar_candidates(once) if c.rule == RULE_RENAMED] == []

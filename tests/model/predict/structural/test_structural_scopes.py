"""Scope-correct renames: a rename ripples only to the same binding (issue 13)."""

from edit_sessions import applied, changed_lines, predict, session
from nxedit.model.predict.structural.engine import candidates, make_context

PY_GUTTER = """\
gutter_width = 3


class Gutter:
    def render(self, lines):
        return [str(n).rjust(gutter_width) for n in range(len(lines))]

    def measure(self):
        return self.gutter_width + 1

    def size(self):
        return gutter_width * 2
"""


def test_renaming_a_variable_leaves_an_attribute_of_that_name_alone():
    req = session(PY_GUTTER, ("gutter_width = 3\n", "width = 3\n"))
    s = predict(req)
    old, new = changed_lines(req, s)
    assert old == ["        return [str(n).rjust(gutter_width) for n in range(len(lines))]\n"]
    assert new == "        return [str(n).rjust(width) for n in range(len(lines))]\n"
    # after that use, the next is in `size`: `self.gutter_width` in `measure` is another symbol
    req = session(PY_GUTTER, ("gutter_width = 3\n", "width = 3\n"),
                  ("        return [str(n).rjust(gutter_width) for n in range(len(lines))]\n",
                   "        return [str(n).rjust(width) for n in range(len(lines))]\n"))
    old, new = changed_lines(req, predict(req))
    assert old == ["        return gutter_width * 2\n"] and new == "        return width * 2\n"
    assert "self.gutter_width" in applied(req, predict(req))


def test_renaming_an_attribute_leaves_a_variable_of_that_name_alone():
    req = session(PY_GUTTER, ("        return self.gutter_width + 1\n", "        return self.gutter + 1\n"))
    assert predict(req, min_confidence=0.0) is None  # only the module variable is left: another symbol


GO_SERVER = """\
package srv

type Server struct {
	handler Handler
	name    string
}

func New(handler Handler, name string) *Server {
	log(handler)
	return &Server{
		handler: handler,
		name:    name,
	}
}
"""


def test_renaming_a_go_parameter_leaves_the_struct_field_key_alone():
    req = session(GO_SERVER, ("func New(handler Handler, name string) *Server {\n", "func New(h Handler, name string) *Server {\n"),
                  ("\tlog(handler)\n", "\tlog(h)\n"), language="go")
    old, new = changed_lines(req, predict(req))
    assert old == ["\t\thandler: handler,\n"] and new == "\t\thandler: h,\n"


def test_renaming_a_python_parameter_leaves_keyword_argument_names_alone():
    before = "def serve(handler, port):\n    log(handler)\n    return run(handler=handler, port=port)\n"
    req = session(before, ("def serve(handler, port):\n", "def serve(on_request, port):\n"))
    old, new = changed_lines(req, predict(req))
    assert new == "    log(on_request)\n    return run(handler=on_request, port=port)\n"


def test_a_rename_reaches_uses_inside_an_f_string():
    before = "def show(theme):\n    apply(theme)\n    print(f\"using {theme}\")\n"
    req = session(before, ("def show(theme):\n", "def show(style):\n"), ("    apply(theme)\n", "    apply(style)\n"))
    _, new = changed_lines(req, predict(req))
    assert new == "    print(f\"using {style}\")\n"


def test_a_rename_reaches_inline_arguments_of_rust_format_macros():
    before = ('fn show(theme: &str) {\n    apply(theme);\n    println!("using {theme}");\n'
              '    let s = format!("{theme:?} and {}", theme);\n}\n')
    req = session(before, ("fn show(theme: &str) {\n", "fn show(style: &str) {\n"),
                  ("    apply(theme);\n", "    apply(style);\n"), language="rust")
    s = predict(req)
    assert applied(req, s).count("style") >= 4
    assert 'println!("using {style}");' in applied(req, s)


def test_a_rename_reaches_a_template_literal_and_keeps_a_shorthand_key():
    before = ("function show(theme: string) {\n  apply(theme)\n  const label = `using ${theme}`\n"
              "  return { theme }\n}\n")
    req = session(before, ("function show(theme: string) {\n", "function show(style: string) {\n"),
                  ("  apply(theme)\n", "  apply(style)\n"), language="typescript")
    old, new = changed_lines(req, predict(req))
    # the object keeps its key `theme` and reads the renamed variable (what tsserver's rename writes)
    assert old == ["  const label = `using ${theme}`\n", "  return { theme }\n"]
    assert new == "  const label = `using ${style}`\n  return { theme: style }\n"


def test_a_shorthand_key_is_the_only_use_left():
    # unjs/h3's proxyRequest: `const method = ...` then `fetchOptions: { method, body }`
    before = ("function send(opts) {\n  const method = opts.method || 'GET'\n  const body = opts.body\n"
              "  return fetch(opts.url, {\n    method,\n    body,\n  })\n}\n")
    req = session(before, ("  const method = opts.method || 'GET'\n", "  const httpMethod = opts.method || 'GET'\n"),
                  language="typescript")
    old, new = changed_lines(req, predict(req))
    assert old == ["    method,\n"] and new == "    method: httpMethod,\n"


def test_a_destructuring_pattern_is_another_binding():
    before = ("function show(theme) {\n  use(theme)\n  const f = (o) => {\n    const { theme } = o\n"
              "    return theme\n  }\n}\n")
    req = session(before, ("function show(theme) {\n", "function show(style) {\n"), language="typescript")
    text = applied(req, predict(req))
    # the arrow function's `theme` is its own binding: its pattern and its use stay
    assert "use(style)" in text and "const { theme } = o\n    return theme\n" in text


def test_a_rust_struct_shorthand_keeps_its_field():
    before = ("fn build(name: String) -> Config {\n    let size = name.len();\n"
              "    Config { name, size }\n}\n")
    req = session(before, ("fn build(name: String) -> Config {\n", "fn build(title: String) -> Config {\n"),
                  language="rust")
    assert applied(req, predict(req)).endswith("let size = title.len();\n    Config { name: title, size }\n}\n")


def test_a_name_that_is_another_languages_keyword_is_renamed_like_any_other():
    # `mod` and `type` are Rust keywords and everyday Python names (flask's get_root_path)
    text = ("import sys\n\n\ndef root(import_name):\n    mod = sys.modules.get(import_name)\n"
            "    if mod is not None:\n        return mod.__file__\n")
    req = session(text, ("    mod = sys.modules.get(import_name)\n", "    module = sys.modules.get(import_name)\n"))
    assert applied(req, predict(req)).endswith("    if module is not None:\n        return module.__file__\n")
    text = "def describe(node):\n    type = node.type\n    return type.upper()\n"
    req = session(text, ("    type = node.type\n", "    kind = node.type\n"))
    old, new = changed_lines(req, predict(req))
    assert old == ["    return type.upper()\n"] and new == "    return kind.upper()\n"


def test_an_attribute_renamed_beside_a_parameter_of_its_name_ripples_to_the_attribute():
    # flask's Scaffold.__init__: `self.import_name = import_name`, then `self.import_name` below;
    # the parameter `import_name` is a local of __init__, the attribute is not
    before = ("class Scaffold:\n    def __init__(self, import_name, root_path=None):\n"
              "        self.import_name = import_name\n        if root_path is None:\n"
              "            root_path = find(self.import_name)\n        self.root_path = root_path\n")
    req = session(before, ("        self.import_name = import_name\n", "        self.module_name = import_name\n"))
    old, new = changed_lines(req, predict(req))
    assert old == ["            root_path = find(self.import_name)\n"]
    assert new == "            root_path = find(self.module_name)\n"


def _reader(methods: int) -> str:
    """A struct with a field `ch` and methods that each use it, far apart (one hunk each)."""
    parts = ["pub struct Reader {\n    /// the peeked byte\n    ch: Option<u8>,\n    pos: usize,\n}\n\nimpl Reader {\n"]
    for n in range(methods):
        parts.append(f"    fn step{n}(&mut self) -> usize {{\n        self.pos += {n};\n        self.pos *= 2;\n"
                     f"        self.pos -= 1;\n        if self.ch.is_some() {{\n            return {n};\n        }}\n"
                     "        self.pos\n    }\n\n")
    return "".join(parts) + "}\n"


def test_a_long_ripple_stays_the_users_rename_after_many_accepts():
    # serde_json's IoRead: `ch` -> `peeked`, then Tab through every `self.ch`. The field's own
    # edit is the oldest of the request after five accepts: it is still the user's, so the
    # new name did not "exist" before and the old one is left declared nowhere (orphan)
    text = _reader(8)
    steps = [("    ch: Option<u8>,\n", "    peeked: Option<u8>,\n")]
    steps += [("        if self.ch.is_some() {\n", "        if self.peeked.is_some() {\n")] * 6
    req = session(text, *steps, language="rust")
    ctx = make_context(req.current, req.cursor, [h.to_dict() for h in req.history], req.language, req.path)
    (c,) = [c for c in candidates(ctx, strict=True) if c.source == "structural:rename"]
    assert "orphan" in c.rule and "existed" not in c.rule, c.rule
    assert changed_lines(req, predict(req, min_confidence=0.0)) == (
        ["        if self.ch.is_some() {\n"], "        if self.peeked.is_some() {\n")

"""Rename ripple: the next remaining occurrence of a renamed name, scope-aware."""

from dataclasses import replace

from edit_sessions import applied, candidates, changed_lines, predict, session

from nxedit.model.predict.structural.engine import SHIPPED

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


def test_two_names_swapped_are_a_reorder_not_two_renames():
    # remeda: `// => ['aaa', 'aaaa']` -> `// => ['aaaa', 'aaa']` in a doc comment; as two renames
    # (aaa -> aaaa, aaaa -> aaa) the next example's `['aa', 'aaaa', 'a', 'aaa']` became garbage
    before = ("/**\n * f(['aa', 'aaaa', 'a', 'aaa']); // => ['aaa', 'aaaa']\n *\n *\n *\n"
              " * pipe(['aa', 'aaaa', 'a', 'aaa'], f()); // => ['aaa', 'aaaa']\n */\n")
    req = session(before, (" * f(['aa', 'aaaa', 'a', 'aaa']); // => ['aaa', 'aaaa']\n",
                           " * f(['aa', 'aaaa', 'a', 'aaa']); // => ['aaaa', 'aaa']\n"),
                  language="typescript")
    assert not [c for c in candidates(req) if c.source == "structural:rename"]
    # in code, two arguments swapped in one call are an edit to repeat, not names to rename
    req = session("def f(a, b):\n    g(a, b)\n    x = 1\n    g(a, b)\n", ("    g(a, b)\n", "    g(b, a)\n"))
    found = candidates(req)
    assert not [c for c in found if c.source == "structural:rename"]
    assert any(c.source == "structural:repeat" and c.edit.new_text == "    g(b, a)\n" for c in found)


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


def test_a_comments_first_word_capitalized_goes_only_to_other_comments_starting_with_it():
    # flask's views.py: `# we attach` -> `# We attach` renamed `we` in the middle of the next
    # comment (`# if We have no method ... We don't`)
    before = ("def f():\n    # we attach the class\n    x = 1\n\n\n\n    # if we have no method we stop\n"
              "    y = 2\n\n\n\n    # we return it\n    return x\n")
    req = session(before, ("    # we attach the class\n", "    # We attach the class\n"))
    (found,) = candidates(req, "structural:rename")  # (a word of prose: below the default threshold)
    assert found.edit.start_line == 11 and found.edit.new_text == "    # We return it\n"


def test_a_function_word_changed_in_prose_goes_only_to_the_same_phrase():
    # starlette's `has already be read` -> `been read` in two messages; ky's `a HTTP` -> `an HTTP`
    # must not make `a Request` `an Request`
    before = ('def f(key):\n    raise E(f"set {key}: the value has already be read.")\n\n\n\n'
              '    log("a Request to replace it")\n\n\n\n'
              '    raise E(f"delete {key}: the value has already be read.")\n')
    req = session(before, ('    raise E(f"set {key}: the value has already be read.")\n',
                           '    raise E(f"set {key}: the value has already been read.")\n'))
    (found,) = candidates(req, "structural:rename")
    assert found.edit.start_line == 9
    assert found.edit.new_text == '    raise E(f"delete {key}: the value has already been read.")\n'
    req = session("x = 1\n\n\n\n# making a HTTP call\ny = 2\n\n\n\n# return a Request\n",
                  ("# making a HTTP call\n", "# making an HTTP call\n"))
    assert candidates(req, "structural:rename") == []


RUST_VISITORS = """\
impl<'de> D<'de> {
    fn any<V_>(self, visitor: V_) -> Result<V_::Value, E>
    where
        V_: Visitor<'de>,
    {
        visitor.visit(self)
    }

    fn seq<V_>(self, visitor: V_) -> Result<V_::Value, E>
    where
        V_: Visitor<'de>,
    {
        visitor.visit(self)
    }
}
"""
_ANY = ("    fn any<V_>(self, visitor: V_) -> Result<V_::Value, E>\n    where\n        V_: Visitor<'de>,\n",
        "    fn any<V>(self, visitor: V) -> Result<V::Value, E>\n    where\n        V: Visitor<'de>,\n")


def test_a_functions_type_parameter_is_its_own_and_never_renamed_without_its_declaration():
    # serde's value.rs: `V_` -> `V` in one function renamed another function's uses of its own
    # `V_` and left its `<V_>`: `fn seq<V_>(self, visitor: V)`, which does not compile
    req = session(RUST_VISITORS, _ANY, language="rust", path="x.rs")
    assert candidates(req, "structural:rename") == []


def test_a_local_renamed_alike_in_two_functions_is_offered_whole_in_the_next():
    # a receiver renamed in one method after another (viper's `fnfe` -> `e`), a type parameter in
    # one function after another: the next function's declaration and uses, in one suggestion
    # (`wrap`'s parameter `fnfe` is no receiver: it is declared another way, and left)
    go = ("package m\n\nfunc (fnfe A) Error() string {\n\treturn fnfe.msg\n}\n\n"
          "func (fnfe B) Error() string {\n\treturn fnfe.msg\n}\n\n"
          "func wrap(fnfe error) string {\n\treturn fnfe.Error()\n}\n\n"
          "func (fnfe C) Error() string {\n\treturn fnfe.msg + fnfe.path\n}\n")
    req = session(go, ("func (fnfe A) Error() string {\n\treturn fnfe.msg\n", "func (e A) Error() string {\n\treturn e.msg\n"),
                  ("func (fnfe B) Error() string {\n\treturn fnfe.msg\n", "func (e B) Error() string {\n\treturn e.msg\n"),
                  language="go", path="x.go")
    old, new = changed_lines(req, predict(req))
    assert old == ["func (fnfe C) Error() string {\n", "\treturn fnfe.msg + fnfe.path\n"]
    assert new == "func (e C) Error() string {\n\treturn e.msg + e.path\n"
    third = RUST_VISITORS.replace("    }\n}\n", "    }\n\n    fn map<V_>(self, visitor: V_) -> V_ {\n        visitor\n    }\n}\n")
    seq = tuple(text.replace("any", "seq") for text in _ANY)
    req = session(third, _ANY, seq, language="rust", path="x.rs")
    (found,) = candidates(req, "structural:rename")
    assert found.rule.endswith("-pattern")
    assert found.edit.new_text == "    fn map<V>(self, visitor: V) -> V {\n"
    # one function renamed says nothing of the others
    req = session(go, ("func (fnfe A) Error() string {\n\treturn fnfe.msg\n", "func (e A) Error() string {\n\treturn e.msg\n"),
                  language="go", path="x.go")
    assert candidates(req, "structural:rename") == []


def _renamed_through(before: str, first: tuple[str, str], language: str, path: str) -> str:
    """The text once every rename candidate after the user's ``first`` edit is taken (as
    bench/rename_oracle.py follows them)."""
    done = follow_ripple(before, first, 40, to_the_end=True, language=language)
    return session(before, *done, language=language, path=path).current


RUST_GENERICS = """\
impl<T> Slab<T> {
    fn get(&self) -> T {
        self.compact(|x: &mut T| true)
    }

    fn compact<F>(&mut self, f: F)
    where
        F: FnMut(&mut T) -> bool,
    {
        struct Guard<'a, T> {
            slab: &'a mut Slab<T>,
        }
    }
}

impl<T> Clone for Slab<T> {
    fn clone(&self) -> Slab<T> {
        todo!()
    }
}

fn cast<U: CastTo>(u: U) -> Own<U::Target> {
    todo!()
}
"""


def test_a_type_parameter_is_renamed_in_its_own_item_only():
    # checked against `cargo check` (bench/rename_rustc.py): renaming `impl<T>`'s `T` renamed
    # the `T` of every impl and struct of the file, and left the header's own `Slab<T>`; a struct
    # inside a method declares its own `T` (slab's `CleanupGuard<'a, T>`); a type parameter heads
    # a path to its associated items (`U::Target`)
    after = _renamed_through(RUST_GENERICS, ("impl<T> Slab<T> {\n", "impl<Item> Slab<T> {\n"), "rust", "x.rs")
    assert after == RUST_GENERICS.replace("impl<T> Slab<T>", "impl<Item> Slab<Item>").replace(
        "-> T {", "-> Item {").replace("&mut T", "&mut Item")
    after = _renamed_through(RUST_GENERICS, ("fn cast<U: CastTo>(u: U) -> Own<U::Target> {\n",
                                             "fn cast<Into: CastTo>(u: U) -> Own<U::Target> {\n"), "rust", "x.rs")
    assert "fn cast<Into: CastTo>(u: Into) -> Own<Into::Target> {\n" in after


TS_GENERICS = """\
/**
 * @template TIn - what goes in
 */
export default class Schema<TIn, TOut> {
  spec: Spec<TIn>
  cast(v: TIn): TOut { return v as any }
}

export default interface Schema<TIn, TOut> {
  default(d: TIn): Schema<TIn, TOut>
}

export function proxySet<TIn>(init: TIn[]) {
  function inter<TIn, U>(a: Set<TIn>, b: U): Set<TIn & U>
  function inter<TIn>(a: Set<TIn>): Set<TIn> { return a }
  const data: TIn[] = init
  return data
}
"""


def test_typescript_type_parameters_follow_merged_declarations_and_template_tags_not_overloads():
    # checked against typescript-language-server (bench/rename_oracle.py): yup's `class
    # ArraySchema<TIn, ...>` and `interface ArraySchema<TIn, ...>` are one type with one list of
    # type parameters; reselect's `@template` tags name them; valtio's overloads inside
    # `proxySet<T>` declare their own `T`
    after = _renamed_through(TS_GENERICS, ("export default class Schema<TIn, TOut> {\n",
                                           "export default class Schema<Input, TOut> {\n"), "typescript", "x.ts")
    head, tail = after.split("export function")
    assert "TIn" not in head and head == TS_GENERICS.split("export function")[0].replace("TIn", "Input")
    assert tail == TS_GENERICS.split("export function")[1]
    after = _renamed_through(TS_GENERICS, ("export function proxySet<TIn>(init: TIn[]) {\n",
                                           "export function proxySet<Item>(init: TIn[]) {\n"), "typescript", "x.ts")
    assert after == TS_GENERICS.replace("proxySet<TIn>(init: TIn[])", "proxySet<Item>(init: Item[])").replace(
        "const data: TIn[]", "const data: Item[]")


def test_a_header_rewritten_around_a_type_parameter_keeps_what_the_user_wrote():
    # zustand: `State extends Record<...>` rewritten as `TState extends State` (a new file-level
    # type `State`) and uses renamed one by one: the ripple made the header `TState extends TState`
    ts = ("export type State = Record<string, unknown>\n\nexport default function create<\n"
          "  State extends Record<string, any>,\n  Get extends () => State,\n>(init: () => State) {\n"
          "  const state: State = init()\n  const listeners: Set<Listener<State>> = new Set()\n  return state\n}\n")
    req = session(ts, ("  State extends Record<string, any>,\n  Get extends () => State,\n",
                       "  TState extends State,\n  TGet extends () => TState,\n"),
                  (">(init: () => State) {\n", ">(init: () => TState) {\n"),
                  ("  const listeners: Set<Listener<State>> = new Set()\n", "  const listeners: Set<Listener<TState>> = new Set()\n"),
                  language="typescript", path="x.ts")
    (found,) = candidates(req, "structural:rename")
    assert (found.edit.start_line, found.edit.end_line, found.edit.new_text) == (6, 7, "  const state: TState = init()\n")


GO_WRITER = """\
package m

type fakeWriter struct{}

func (fw *fakeWriter) Write() {}



func TestWrite(t *T) {
	{local} := &fakeWriter{}
	use({local})
}
"""


def _go_writer_session(local):
    before = GO_WRITER.replace("{local}", local)
    return session(before, ("type fakeWriter struct{}\n", "type mockWriter struct{}\n"),
                   ("func (fw *fakeWriter) Write() {}\n", "func (fw *mockWriter) Write() {}\n"), language="go")


def test_rename_never_collides_with_a_local_of_the_new_name():
    # `mockWriter := &mockWriter{}` would shadow the type: the user has to choose another name
    assert predict(_go_writer_session("mockWriter"), min_confidence=0.0) is None
    req = _go_writer_session("w")
    old, new = changed_lines(req, predict(req))
    assert old == ["\tw := &fakeWriter{}\n"] and new == "\tw := &mockWriter{}\n"


GO_LAYOUT = """\
package m

type flag struct {
	layout string
}



func newFlag(v string) *flag {
	return &flag{
		layout: v,
	}
}



func (t *flag) parse(v string) {
	time.Parse(t.layout, v)
}
"""


def test_rename_taught_by_a_refactor_does_not_ripple():
    # the field also changed its type: its uses need more than the new name, even after a
    # later edit that looks like a pure rename
    req = session(GO_LAYOUT, ("\tlayout string\n", "\tavailableLayouts []string\n"),
                  ("\t\tlayout: v,\n", "\t\tavailableLayouts: v,\n"), language="go")
    assert predict(req) is None
    req = session(GO_LAYOUT, ("\tlayout string\n", "\tformat   string\n"),  # realigned: still pure
                  ("\t\tlayout: v,\n", "\t\tformat: v,\n"), language="go")
    _, new = changed_lines(req, predict(req))
    assert new == "\ttime.Parse(t.format, v)\n"


RS_EXIT = """\
impl ExitCode {
    fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
        }
    }



    fn merge(results: Vec<Self>) -> Self {
        if results.is_empty() {
            return Self::Success;
        }
        Self::Failure
    }
}
"""


def test_keyword_is_replaced_only_in_the_role_of_the_examples():
    req = session(RS_EXIT, ("            Self::Success => 0,\n            Self::Failure => 1,\n",
                            "            ExitCode::Success => 0,\n            ExitCode::Failure => 1,\n"),
                  language="rust")
    s = predict(req)
    old, new = changed_lines(req, s)
    # `Self::` paths follow; the `Self` type in `Vec<Self>` and `-> Self` is another use
    assert old[0] == "            return Self::Success;\n"
    assert new == "            return ExitCode::Success;\n        }\n        ExitCode::Failure\n"
    assert "fn merge(results: Vec<Self>) -> Self {" in applied(req, s)


RS_VISITOR = """\
type Visitor = MapImpl;



impl de::Visitor for ValueVisitor {}



fn read() {
    let v = Visitor::new();
}
"""


def test_name_qualified_by_another_module_is_that_modules_item():
    req = session(RS_VISITOR, ("type Visitor = MapImpl;\n", "type MapVisitor = MapImpl;\n"), language="rust")
    old, new = changed_lines(req, predict(req))
    assert old == ["    let v = Visitor::new();\n"] and new == "    let v = MapVisitor::new();\n"


GO_TWO_RENAMES = """\
package m

var controlKeyNames = map[int]string{}



var keyNames = map[string]string{}



func lookup() {
	a := controlKeyNames[1]



	b := keyNames["x"]
}
"""


def test_several_renames_under_way_suggest_the_nearest_site():
    req = session(GO_TWO_RENAMES, ("var controlKeyNames = map[int]string{}\n", "var controlNames = map[int]string{}\n"),
                  ("var keyNames = map[string]string{}\n", "var sequenceNames = map[string]string{}\n"), language="go")
    old, new = changed_lines(req, predict(req))
    assert old == ["\ta := controlKeyNames[1]\n"] and new == "\ta := controlNames[1]\n"


PY_DANGLING = """\
def test_decode_error():
    body = b"test"
    compressed = compress(body)
    with raises(DecodingError):
        decode(compressed)
{extra}


def test_other():
    compressed = b"x"
    decode(compressed)
"""


def test_use_of_a_replaced_local_follows_its_replacement():
    step = ('    body = b"test"\n    compressed = compress(body)\n', '    broken = b"xxxx"\n')
    req = session(PY_DANGLING.replace("{extra}", ""), step)
    # measured on real commits it is as often wrong as right (the old use is usually
    # rewritten, not renamed): a guess below the default threshold, shown when asked for
    assert predict(req) is None
    s = predict(req, min_confidence=0.3)
    assert s.source == "structural:rename" and s.confidence < 0.5
    old, new = changed_lines(req, s)
    assert old == ["        decode(compressed)\n"] and new == "        decode(broken)\n"
    # still defined further down: not dangling, nothing to fix
    req = session(PY_DANGLING.replace("{extra}", "    compressed = other()\n"), step)
    assert predict(req, min_confidence=0.0) is None
    # two new locals: which one replaces it is a guess
    req = session(PY_DANGLING.replace("{extra}", ""), (step[0], '    broken = b"xxxx"\n    spare = 1\n'))
    assert predict(req, min_confidence=0.0) is None


GO_TEMPLATE = """\
package m

import (
	"fmt"
)

var usage = `{{if .HasFlags}}flags{{end}}`



func (c *Command) HasFlags() bool { return true }

func show() {
	fmt.Println(usage)
}
"""


def test_rename_inside_a_string_does_not_rename_code():
    req = session(GO_TEMPLATE, ("var usage = `{{if .HasFlags}}flags{{end}}`\n",
                                "var usage = `{{if .HasAvailableFlags}}flags{{end}}`\n"), language="go")
    assert predict(req, min_confidence=0.0) is None
    # an import path names code: the package's uses follow
    req = session(GO_TEMPLATE, ('\t"fmt"\n', '\t"log"\n'), language="go")
    _, new = changed_lines(req, predict(req))
    assert new == "\tlog.Println(usage)\n"


PY_TWO_DEFINITIONS = """\
import os


def resolve(p):
    return p



def main():
    a = resolve(1)



    b = resolve(2)
"""


def test_no_rename_while_old_and_new_name_are_both_defined():
    call = ("    a = resolve(1)\n", "    a = try_resolve(1)\n")
    added = ("import os\n", "import os\n\n\ndef try_resolve(p):\n    return p\n")
    # the user added a second function and called it: `resolve` is still needed
    assert predict(session(PY_TWO_DEFINITIONS, added, call), min_confidence=0.0) is None
    req = session(PY_TWO_DEFINITIONS, call)
    old, new = changed_lines(req, predict(req))
    assert old == ["    b = resolve(2)\n"] and new == "    b = try_resolve(2)\n"


def test_a_new_name_mentioned_only_in_a_docstring_still_ripples():
    # the docstring already says "subtotal": a word in prose is not a name the code uses
    before = (
        'def cart_total(items):\n    """Sum the items; the subtotal gets a discount over 100."""\n'
        "    total = 0.0\n    for item in items:\n        total += item.price\n    return total\n"
    )
    req = session(before, ("    total = 0.0\n", "    subtotal = 0.0\n"))
    s = predict(req)
    assert s is not None and s.source == "structural:rename"
    assert applied(req, s).count("subtotal") == 4  # the docstring, and every use in the code


def test_a_new_name_the_code_already_uses_needs_a_second_example():
    before = (
        "def cart_total(items, subtotal):\n    total = 0.0\n    for item in items:\n"
        "        total += item.price\n    return total + subtotal\n"
    )
    req = session(before, ("    total = 0.0\n", "    subtotal = 0.0\n"))
    assert predict(req) is None


def test_an_import_swapping_the_library_is_not_a_rename():
    before = (
        'package main\n\nimport (\n\t"fmt"\n\t"github.com/muesli/termenv"\n)\n\n'
        "var term = termenv.ColorProfile()\n\nfunc main() { fmt.Println(term) }\n"
    )
    swap = ('\t"github.com/muesli/termenv"\n', '\t"github.com/charmbracelet/lipgloss"\n')
    assert predict(session(before, swap, language="go", path="main.go")) is None
    # the same package moved to a new name is a rename: its uses follow
    moved = ('\t"github.com/muesli/termenv"\n', '\t"github.com/muesli/termcolor"\n')
    s = predict(session(before, moved, language="go", path="main.go"))
    assert s is not None and "termcolor.ColorProfile()" in s.edits[0].new_text


def test_a_word_deleted_then_retyped_is_a_rename():
    # Ctrl+Del removes `theme`, then `name` is typed: two hunks on one line, one rename
    before = "def show(theme):\n    apply(theme)\n    return theme\n"
    req = session(before, ("def show(theme):\n", "def show():\n"), ("def show():\n", "def show(style):\n"))
    assert len(req.history) == 2
    old, new = changed_lines(req, predict(req))
    assert new == "    apply(style)\n    return style\n"


def test_a_local_renamed_to_a_name_another_function_uses_is_still_a_rename():
    """`endpoint_handler` -> `handler` (the prefix deleted): `handler` is a variable of
    another function, not of this one, so it is no change of meaning."""
    before = ("def f(items):\n    handler = items[0]\n    return handler\n\n\n"
              "def g(endpoint):\n    endpoint_handler = endpoint\n    run(endpoint_handler)\n    return endpoint_handler\n")
    req = session(before, ("    endpoint_handler = endpoint\n", "    handler = endpoint\n"))
    s = predict(req)  # the rules' threshold: a name that existed would be a 0.3 guess
    assert s is not None and "flag:existed" not in dict(s.features) and s.source == "structural:rename"
    assert changed_lines(req, s)[1] == "    run(handler)\n    return handler\n"


# a local assigned at the top and assigned again further down, in one branch (the shape of
# flask's get_root_path, code of our own): one Python variable, not two
PY_REASSIGNED = """\
def find_root(name: str) -> str:
    spec = lookup(name)

    if spec is not None and spec.origin is not None:
        return dirname(spec.origin)

    loader = find_loader(name)
    if loader is None:
        return getcwd()

    if hasattr(loader, "path"):
        path = loader.path
    else:
        spec = registry[name]
        path = spec.origin
    return dirname(path)
"""


def test_a_later_assignment_of_a_renamed_python_local_is_the_same_variable():
    """Renaming ``spec`` where it is first assigned leaves no other variable ``spec``: the
    assignment further down is the same local, the ripple renames it too, and the rename is
    an orphan (nothing of the old name is declared any more), shown at the default threshold."""
    from nxedit.model.predict.structural import StructuralPredictor

    rename = ("    spec = lookup(name)\n", "    module_spec = lookup(name)\n")
    req = session(PY_REASSIGNED, rename)
    shown = StructuralPredictor(strict=True).predict(req)  # the shipped acceptance model and its threshold
    assert shown is not None and shown.source == "structural:rename" and "flag:orphan" in dict(shown.features)
    ripple = ("    if module_spec is not None and module_spec.origin is not None:\n"
              "        return dirname(module_spec.origin)\n")
    assert changed_lines(req, shown)[1] == ripple
    # accepted: the next site is the later assignment and its use, still shown
    req = session(PY_REASSIGNED, rename, ("    if spec is not None and spec.origin is not None:\n"
                                          "        return dirname(spec.origin)\n", ripple))
    shown = StructuralPredictor(strict=True).predict(req)
    assert shown is not None and changed_lines(req, shown)[1] == (
        "        module_spec = registry[name]\n        path = module_spec.origin\n")


def test_renaming_a_later_assignment_leaves_the_earlier_variable_alone():
    """Renaming the *second* assignment may split a reused variable in two: the first one
    still declares the old name, so the rename is no orphan."""
    from nxedit.model.predict.structural.engine import candidates, make_context

    req = session(PY_REASSIGNED, ("        spec = registry[name]\n", "        module_spec = registry[name]\n"))
    ctx = make_context(req.current, req.cursor, [h.to_dict() for h in req.history], req.language, req.path)
    found = [c for c in candidates(ctx, strict=True) if c.source == "structural:rename"]
    assert found and not any("orphan" in c.rule for c in found)


def test_renaming_a_packages_function_leaves_a_method_of_that_name_alone():
    """``valve.Context(ctx)`` -> ``valve.Lever(ctx)`` (go-chi's train case): ``valve`` is an
    imported package, so ``r.Context()`` (a method of the request) is another thing."""
    before = ('package main\n\nimport (\n\t"net/http"\n\n\t"github.com/go-chi/valve"\n)\n\n'
              "func a(ctx context.Context) {\n\t<-valve.Context(ctx).Stop()\n}\n\n"
              "func b(w http.ResponseWriter, r *http.Request) {\n\tvalve.Context(r.Context()).Open()\n}\n")
    req = session(before, ("\t<-valve.Context(ctx).Stop()\n", "\t<-valve.Lever(ctx).Stop()\n"),
                  language="go", path="main.go")
    s = predict(req, min_confidence=0.0)
    assert s is not None and changed_lines(req, s)[1] == "\tvalve.Lever(r.Context()).Open()\n"


def test_an_import_that_swaps_one_name_among_added_ones_is_no_rename():
    """``import { createApp, useBody }`` -> ``import { createApp, eventHandler, readBody }``
    (ofetch's train case): the library's API changed; ``useBody(req)`` does not become
    ``eventHandler(req)``."""
    before = ("import { createApp, useBody, useRawBody } from 'h3'\n\nconst app = createApp()\n"
              "app.use('/post', async req => ({ body: await useBody(req) }))\n")
    req = session(before, ("import { createApp, useBody, useRawBody } from 'h3'\n",
                           "import { createApp, eventHandler, readBody, readRawBody, toNodeListener } from 'h3'\n"),
                  language="typescript")
    s = predict(req, min_confidence=0.0)
    assert s is None or "eventHandler(req)" not in s.edits[0].new_text


TS_RETRY = """\
export interface RetryObject {
\tattemptCount: number;
\tretryOptions: RetryOptions;
\tstatusCode: number;
\tcomputedValue: number;
\tretryAfter?: number;
}
"""


def test_a_builtin_type_swapped_at_one_declaration_is_not_renamed_everywhere():
    # got's train case: `statusCode: number` -> `StatusCode` retyped that field, not the other numbers
    req = session(TS_RETRY, ("\tstatusCode: number;\n", "\tstatusCode: StatusCode;\n"), language="typescript")
    assert predict(req, min_confidence=0.0) is None
    rs = "pub struct Reseeder {\n    threshold: u64,\n    bytes: u64,\n}\n\nfn new(threshold: u64) -> Reseeder {\n}\n"
    req = session(rs, ("    threshold: u64,\n", "    threshold: i64,\n"), language="rust")
    assert predict(req, min_confidence=0.0) is None


GO_INT_TYPES = """\
package style

type propKey int

type props int

type width int

func pad(n int) string {
\treturn ""
}
"""


def test_a_builtin_type_swapped_twice_goes_on_in_the_same_role():
    req = session(GO_INT_TYPES, ("type propKey int\n", "type propKey int64\n"), ("type props int\n", "type props int64\n"),
                  language="go")
    old, new = changed_lines(req, predict(req, min_confidence=0.0))
    assert (old, new) == (["type width int\n"], "type width int64\n")


RS_SHADOWED = """\
fn expand(input: &Input) -> TokenStream {
    let use_as_display = input.variants.iter().any(|v| v.is_display());
    let helper = 1;
    let use_as_display = impl_use_as_display(use_as_display);
    let other = use_as_display.clone();
    {
        let use_as_display = 2;
    }
    quote!(#use_as_display)
}
"""


def test_a_rust_let_of_the_old_name_starts_another_variable():
    # thiserror's train case: `let x = f(x);` reads the renamed local and declares a new `x`
    req = session(RS_SHADOWED, ("    let use_as_display = input.variants.iter().any(|v| v.is_display());\n",
                                "    let has_bonus_display = input.variants.iter().any(|v| v.is_display());\n"),
                  language="rust")
    old, new = changed_lines(req, predict(req, min_confidence=0.0))
    assert (old, new) == (["    let use_as_display = impl_use_as_display(use_as_display);\n"],
                          "    let use_as_display = impl_use_as_display(has_bonus_display);\n")


def test_a_rust_let_in_an_inner_block_shadows_only_inside_it():
    text = RS_SHADOWED.replace("    let use_as_display = impl_use_as_display(use_as_display);\n", "")
    req = session(text, ("    let use_as_display = input.variants.iter().any(|v| v.is_display());\n",
                         "    let has_bonus_display = input.variants.iter().any(|v| v.is_display());\n"),
                  ("    let other = use_as_display.clone();\n", "    let other = has_bonus_display.clone();\n"),
                  language="rust")
    old, new = changed_lines(req, predict(req, min_confidence=0.0))
    assert (old, new) == (["    quote!(#use_as_display)\n"], "    quote!(#has_bonus_display)\n")


# exllamav2's generator: the local is reset to None at the loop's end, the same line as its
# declaration; replaying that line first jumped past every use between (then above the cursor)
PY_RESET_AT_END = """\
def generate(ids, healing):
    unhealed_token = None
    if healing:
        unhealed_token = ids[-1:]
        ids = ids[:-1]
    heal = None
    if unhealed_token is not None:
        heal = list(unhealed_token)
    for i in range(3):
        step(ids, heal)
        unhealed_token = None
    return heal
"""


def test_rename_ripple_goes_in_order_before_a_replayed_line_further_down():
    req = session(PY_RESET_AT_END, ("    unhealed_token = None\n", "    unhealed = None\n"))
    # the last line's reset is renamed by the ripple when it gets there, not replayed first
    assert [c.source for c in candidates(req)] == ["structural:rename"]
    s = predict(req, ranker=SHIPPED)
    assert s is not None and s.source == "structural:rename" and s.edits[0].start_line == 3


def test_a_rename_started_at_the_last_use_ripples_upwards_past_the_acceptance_model():
    """`return total` -> `return count` leaves `count` undeclared; the ripple's sites are all
    above the cursor, which the model (fitted on cases cut in file order) rates near 0."""
    before = "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    log(total)\n    return total\n"
    req = session(before, ("    return total\n", "    return count\n"))
    s = predict(req, ranker=SHIPPED, min_confidence=None)
    assert s is not None and s.source == "structural:rename"
    old, new = changed_lines(req, s)
    assert new == "    count = 0\n    for x in items:\n        count += x\n    log(count)\n"
    # renamed at the declaration, the rest below: the model rates it as before (no rule rating)
    req = session(before, ("    total = 0\n", "    count = 0\n"))
    s = predict(req, ranker=SHIPPED, min_confidence=None)
    assert s is not None and "-undeclared" not in dict(s.features).get("rule", "") and dict(s.features).get("flag:undeclared") is None


PY_TESTS_WITH_FIXTURES = """\
def test_pickle(self, tmpdir, proto):
    f = tmpdir.join("file.log")
    f.write("")
    assert f.read() == ""


def test_rename(folder):
    f = folder.join("file.log")
    assert f
"""


def test_a_pytest_fixture_swapped_in_a_test_header_is_not_renamed_in_its_body():
    # `tmpdir` -> `tmp_path` asks pytest for a pathlib.Path: `tmp_path.join(...)` would be wrong
    # (structlog's commit rewrote the body to `tmp_path / "file.log"`)
    req = session(PY_TESTS_WITH_FIXTURES, ("def test_pickle(self, tmpdir, proto):\n",
                                           "def test_pickle(self, tmp_path, proto):\n"))
    assert [c for c in candidates(req) if c.source == "structural:rename"] == []
    # a parameter that is no pytest fixture of its own (a project's fixture renamed) still ripples
    req = session(PY_TESTS_WITH_FIXTURES, ("def test_rename(folder):\n", "def test_rename(target):\n"))
    s = predict(req)
    assert s is not None and s.source == "structural:rename"
    assert changed_lines(req, s) == (['    f = folder.join("file.log")\n'],
                                     '    f = target.join("file.log")\n')


GO_TWO_SWITCHES = """\
package main

func first(pa Parser) {
	switch pa.Cmd() {
	case 1:
	}
}

func second(pa Parser) {
	switch pa.Cmd() {
	case ansi.Cmd('?', 0, 'c'):
	}
}
"""


def test_a_replayed_line_inside_a_ripple_that_does_more_gives_way_to_the_ripple_on_a_tie():
    # lipgloss: `pa.Cmd()` -> `pa.Command()`; the repeat replays the switch line alone (0.84),
    # the rename ripple also renames the `case ansi.Cmd(...)` right below (0.837): the user's next edit
    from nxedit.model.predict.structural.candidates import Candidate
    from nxedit.model.predict.structural.engine import _container
    from nxedit.model.text.edits import LineEdit

    lines = GO_TWO_SWITCHES.splitlines(True)
    line = LineEdit(9, 10, "\tswitch pa.Command() {\n")
    ripple = LineEdit(9, 11, "\tswitch pa.Command() {\n\tcase ansi.Command('?', 0, 'c'):\n")
    gap = LineEdit(9, 11, "\tswitch pa.Command() {\n" + lines[10])  # the next line kept: two sites

    def chosen(*found):
        return found[_container(list(found), 0, list(range(len(found))), lines)]

    assert chosen(Candidate(line, "structural:repeat", 0.84, "same-lines"),
                  Candidate(ripple, "structural:rename", 0.837, "file-complete")).edit == ripple
    assert chosen(Candidate(line, "structural:repeat", 0.84, "same-lines"),  # no tie: the surer stays
                  Candidate(ripple, "structural:rename", 0.6, "file-complete")).edit == line
    assert chosen(Candidate(line, "structural:repeat", 0.84, "same-lines"),
                  Candidate(gap, "structural:repeat", 0.84, "local-1")).edit == line
    assert chosen(Candidate(line, "structural:repeat", 0.84, "same-lines"),  # a block replayed whole is one
                  Candidate(gap, "structural:repeat", 0.84, "lines-1")).edit == gap


def test_one_standard_module_imported_instead_of_another_is_not_a_rename():
    # anyio: `import sys` -> `import re`; `sys.version_info` does not become `re.version_info`
    before = "import sys\n\n\ndef check(exc):\n    if sys.version_info < (3, 7):\n        return repr(exc)\n"
    req = session(before, ("import sys\n", "import re\n"))
    assert [c for c in candidates(req) if c.source == "structural:rename"] == []
    # a module of the project's own renamed on import still ripples
    req = session(before.replace("sys", "helpers"), ("import helpers\n", "import support\n"))
    assert [c.edit.new_text for c in candidates(req) if c.source == "structural:rename"] == [
        "    if support.version_info < (3, 7):\n"]



def ripple(before: str, first: tuple[str, str], language: str, limit: int = 10) -> list[str]:
    """The lines the rename ripple changes after the user's ``first`` edit, each suggestion
    taken (Tab) until it stops; every ``old`` line of ``before`` must be unique."""
    steps, changed = [first], []
    for _ in range(limit):
        req = session(before, *steps, language=language)
        s = predict(req, min_confidence=0.0)
        if s is None or s.source != "structural:rename":
            break
        old, new = changed_lines(req, s)
        steps.append(("".join(old), new))
        changed += [b.strip() for a, b in zip(old, new.splitlines(keepends=True)) if a != b]
    return changed



def follow_ripple(before: str, first: tuple[str, str], steps: int, to_the_end: bool = False,
                  language: str = "python") -> list[tuple[str, str]]:
    """The user's ``first`` edit and the rename candidates' next sites taken after it, ``steps``
    times, with the 12 edits of history the editor sends. Candidates, not the shown
    suggestion: the repeat behaviour may offer the same lines. A ripple that ends before
    ``steps`` fails the test, unless ``to_the_end``."""
    done = [first]
    for i in range(steps):
        req = session(before, *done, language=language)
        req = replace(req, history=req.history[-12:])
        found = candidates(req, "structural:rename")
        if not found and to_the_end:
            break
        assert found, f"stopped after {i} steps"
        e = found[0].edit
        done.append(("".join(req.current.splitlines(keepends=True)[e.start_line:e.end_line]), e.new_text))
    return done

# anyhow's fmt.rs (code nobody here tuned on): the loop's `error` is another binding, and so is
# the `if let`'s (not in its `else`); renaming `let error` rippled into the loop's pattern and use
RS_LOOP_REBINDS = """\
fn debug(this: Ref, f: &mut Formatter) -> Result {
    let error = this.error();
    write!(f, "{}", error)?;
    if let Some(cause) = error.source() {
        for (n, error) in Chain::new(cause).enumerate() {
            write!(f, "{}{}", n, error)?;
        }
        if let Some(error) = cause.source() {
            log(error);
        } else {
            warn(error);
        }
    }
    done(error)
}
"""


def test_a_rust_loops_and_if_lets_own_bindings_are_not_renamed_with_the_outer_local():
    seen = ripple(RS_LOOP_REBINDS, ("    let error = this.error();\n", "    let err = this.error();\n"), "rust")
    assert seen == ['write!(f, "{}", err)?;', "if let Some(cause) = err.source() {", "warn(err);", "done(err)"]


def test_renaming_a_rust_loops_binding_stays_in_the_loop():
    seen = ripple(RS_LOOP_REBINDS, ("        for (n, error) in Chain::new(cause).enumerate() {\n",
                                    "        for (n, inner) in Chain::new(cause).enumerate() {\n"), "rust")
    assert seen == ['write!(f, "{}{}", n, inner)?;']


GO_REBINDS = """\
package p

func load(path string) error {
	err := open(path)
	for _, err := range pending {
		report(err)
	}
	if err := check(path); err != nil {
		return err
	}
	{
		data, err := read(path)
		use(data, err)
	}
	size, err := stat(path)
	keep(size)
	return err
}
"""


def test_go_range_if_and_block_bindings_are_other_variables_but_a_same_block_redeclaration_is_not():
    seen = ripple(GO_REBINDS, ("\terr := open(path)\n", "\topenErr := open(path)\n"), "go")
    # `size, err := stat(path)` in the function's block assigns the same `err` (Go reuses it)
    assert seen == ["size, openErr := stat(path)", "return openErr"]


JS_REBINDS = """\
function render(items) {
  const item = items[0];
  for (const item of items.slice(1)) {
    draw(item);
  }
  if (item.hidden) {
    const item = placeholder();
    show(item);
  }
  try {
    paint(item);
  } catch (item) {
    fail(item);
  }
  return item;
}
"""


def test_javascript_block_bindings_are_other_variables():
    seen = ripple(JS_REBINDS, ("  const item = items[0];\n", "  const first = items[0];\n"), "javascript")
    assert seen == ["if (first.hidden) {", "paint(first);", "return first;"]


PY_COMPREHENSION = """\
def names(rows):
    row = rows[0]
    keys = [row.key for row in rows]
    return row, keys
"""


def test_a_python_comprehensions_variable_is_its_own():
    seen = ripple(PY_COMPREHENSION, ("    row = rows[0]\n", "    head = rows[0]\n"), "python")
    assert seen == ["return head, keys"]


# Faults the language-server oracle found (bench/rename_oracle.py: the ripple against
# basedpyright's and typescript-language-server's own rename, on code nobody here tuned on)

PY_COMMENT_THEN_STRING = '''\
class Parser:
    def skip(self, state):
        maxNesting = state.options["maxNesting"]
        if state.level < maxNesting:
            state.level += 1
            state.level -= 1
            state.level += 1
            state.level -= 1
            state.level += 1
            state.level -= 1
        else:
            # note: an amount of `[` equal to `maxNesting + 1` breaks links
            state.pos += 1

    def tokenize(self, state):
        maxNesting = state.options["maxNesting"]
        return maxNesting
'''


def test_the_ripples_own_edit_of_a_comment_does_not_make_it_a_rename_of_prose():
    # markdown-it: after the comment, the key string `"maxNesting"` of another method was renamed
    seen = ripple(PY_COMMENT_THEN_STRING, ('        maxNesting = state.options["maxNesting"]\n',
                                           '        max_nesting = state.options["maxNesting"]\n'), "python")
    assert seen == ["if state.level < max_nesting:",
                    "# note: an amount of `[` equal to `max_nesting + 1` breaks links"]


def test_a_ripple_longer_than_the_edits_sent_goes_on_to_the_last_use():
    # markdown-it's blockquote: `state`'s ripple stopped after 12 steps, its renamed declaration
    # (no longer among the 12 edits the editor sends) taken for another variable of the new name
    filler = "".join(f"    total += {k}\n" for k in range(12))  # uses this far apart are one site a step
    body = "".join(f"    total += state.step({i})\n{filler}" for i in range(16))
    before = f"def run(state):\n    total = 0\n{body}    return total, state\n"
    steps = follow_ripple(before, ("def run(state):\n", "def run(ctx):\n"), 17)
    assert steps[-1][1] == "    return total, ctx\n"


PY_NESTED_TWINS = '''\
def factory(kind):
    if kind:
        def structure(obj, _=kind):
            return list(obj)
        return structure

    def structure_other(obj):
        return tuple(obj)
    return structure_other
'''


def test_a_nested_functions_parameter_is_renamed_though_a_sibling_has_one_of_that_name():
    # cattrs' cols.py: the sibling's `obj` made the outer function look like a nested scope
    seen = ripple(PY_NESTED_TWINS, ("        def structure(obj, _=kind):\n", "        def structure(value, _=kind):\n"),
                  "python")
    assert seen == ["return list(value)"]


TS_REST_AND_TYPES = '''\
type AnyFunction = (...args: any[]) => any

const createOp = (
  type: string,
  ...args: unknown[]
) => [type, ...args]

const handler = (
  addListener: (prop: string, value: unknown) => void,
  removeListener: (prop: string) => void,
) => 0
'''


def test_a_rest_parameter_is_a_variable_not_a_member():
    # `...args` looked like a member access (`.args`): renaming it rippled file-wide
    seen = ripple(TS_REST_AND_TYPES, ("  ...args: unknown[]\n", "  ...rest: unknown[]\n"), "typescript")
    assert seen == [") => [type, ...rest]"]


def test_a_function_types_parameter_names_are_its_own():
    # valtio: renaming `prop` in one callback type renamed the next type's `prop`
    seen = ripple(TS_REST_AND_TYPES, ("  addListener: (prop: string, value: unknown) => void,\n",
                                      "  addListener: (key: string, value: unknown) => void,\n"), "typescript")
    assert seen == []
    seen = ripple(TS_REST_AND_TYPES, ("type AnyFunction = (...args: any[]) => any\n",
                                      "type AnyFunction = (...params: any[]) => any\n"), "typescript")
    assert seen == []


JS_RECURSIVE_CONST = '''\
function deep(obj) {
  const visit = (value) => {
    for (const el of value) {
      visit(el)
    }
    return value
  }
  return visit(obj)
}
'''


def test_a_const_arrow_function_calling_itself_is_renamed_inside_its_body():
    # valtio's deepProxy: the initializer was taken to see an outer binding, as in Rust
    seen = ripple(JS_RECURSIVE_CONST, ("  const visit = (value) => {\n", "  const walk = (value) => {\n"), "javascript")
    assert seen == ["walk(el)", "return walk(obj)"]


RS_RANGE = """\
fn sum(items: &[u32]) -> u32 {
    let len = items.len();
    let mut total = 0;
    for i in 0..len {
        total += items[i];
    }
    total
}
"""


def test_a_rust_ranges_end_is_a_variable_not_a_member():
    # `0..len` read as a member access (`.len`): the ripple skipped it
    seen = ripple(RS_RANGE, ("    let len = items.len();\n", "    let count = items.len();\n"), "rust")
    assert seen == ["for i in 0..count {"]


def test_a_long_ripple_goes_on_past_reassignments_of_a_python_local():
    # markdown-it's reference.py: `pos` is assigned again on many lines; once the first renamed
    # ones were older than the 12 edits sent, `pos_nx = ...` there and `pos = ...` ahead looked
    # like two variables, and the ripple stopped
    filler = "".join(f"    total += {k}\n" for k in range(12))
    body = "".join(f"    pos = skip(text, pos)\n{filler}" for i in range(16))
    before = f"def scan(text):\n    pos = 0\n    total = 0\n{body}    return pos, total\n"
    steps = follow_ripple(before, ("    pos = 0\n", "    offset = 0\n"), 17)
    assert steps[-1][1] == "    return offset, total\n"


PY_KEYWORD_CALLERS = '''\
class Dirs:
    def site_dir(self, path):
        self._create(path, private=False, site=True)
        return path

    def _create(self, path, *, private, site=False):
        make(path, private=private, site=site)


class MacDirs(Dirs):
    def _create(self, path, *, private, site=False, strict=True):
        super()._create(path, private=private, site=site)
'''


def test_renaming_a_python_parameter_renames_the_keyword_its_callers_pass():
    # platformdirs' api.py: `_optionally_create_directory(path, private=False)` called by keyword;
    # a language server renames the keyword with the parameter, the ripple left it (a member)
    steps = follow_ripple(PY_KEYWORD_CALLERS, ("    def _create(self, path, *, private, site=False):\n",
                                               "    def _create(self, path, *, owner_only, site=False):\n"), 4,
                          to_the_end=True)
    # `make(..., private=...)` is another function's keyword; the subclass's `super()._create(...,
    # private=private)` passes the keyword to the renamed method and reads its own parameter
    # (basedpyright renames the keyword and leaves the value)
    assert [new.strip() for _, new in steps[1:]] == ["make(path, private=owner_only, site=site)",
                                                    "super()._create(path, owner_only=private, site=site)",
                                                    "self._create(path, owner_only=False, site=True)"]
    # the subclass's own `_create`: `self._create(...)` in the base class calls the base's
    steps = follow_ripple(PY_KEYWORD_CALLERS, ("    def _create(self, path, *, private, site=False, strict=True):\n",
                                               "    def _create(self, path, *, owner_only, site=False, strict=True):\n"),
                          3, to_the_end=True)
    assert [new.strip() for _, new in steps[1:]] == ["super()._create(path, private=owner_only, site=site)"]


PY_DEFAULTS = '''\
def format_exception(exc):
    return str(exc)


def transform(exc, path="$", format_exception=format_exception, *, converter=None):
    out = format_exception(exc)

    def structure(val, converter=converter):
        return converter.structure(val)
    return out, path, converter, structure
'''


def test_a_python_default_value_reads_the_enclosing_name_not_the_parameter():
    # cattrs' v.py: `format_exception: ... = format_exception` renamed at the parameter took the
    # default (the module's function) along; and `def structure(val, converter=converter)`: the
    # default reads the outer `converter`, the body the nested function's own
    seen = ripple(PY_DEFAULTS, ('def transform(exc, path="$", format_exception=format_exception, *, converter=None):\n',
                                'def transform(exc, path="$", fmt=format_exception, *, converter=None):\n'), "python")
    assert seen == ["out = fmt(exc)"]
    seen = ripple(PY_DEFAULTS, ('def transform(exc, path="$", format_exception=format_exception, *, converter=None):\n',
                                'def transform(exc, path="$", format_exception=format_exception, *, conv=None):\n'),
                  "python")
    assert seen == ["def structure(val, converter=conv):", "return out, path, conv, structure"]


PY_OTHER_RECEIVER = '''\
def gen_mapping(cl, unstructure_to=None):
    handler = str
    return converter.gen_mapping(cl, unstructure_to=unstructure_to, key_handler=handler)


def use(cl):
    return gen_mapping(cl, unstructure_to=dict)
'''


def test_a_keyword_passed_to_another_objects_function_of_the_same_name_stays():
    # cattrs' bson.py: `converter.gen_unstructure_mapping(cl, unstructure_to=...)` is the
    # converter's method, not the local function whose parameter was renamed
    seen = ripple(PY_OTHER_RECEIVER, ("def gen_mapping(cl, unstructure_to=None):\n", "def gen_mapping(cl, to=None):\n"),
                  "python")
    assert seen == ["return converter.gen_mapping(cl, unstructure_to=to, key_handler=handler)",
                    "return gen_mapping(cl, to=dict)"]


def test_a_lambda_comprehension_or_arrow_renamed_at_its_variable_is_finished_on_the_users_line():
    # a server renames `-v` with `lambda v`; the ripple left the user's own line alone (115 of
    # 1,684 Python renames in the oracle's run)
    cases = [
        ("def f(values):\n    return sorted(values, key=lambda v: -v)\n", "lambda v: -v", "lambda value: -v",
         "python", "    return sorted(values, key=lambda value: -value)\n"),
        ("def f(rows):\n    return [g(x) for x in rows]\n", "for x in", "for row in", "python",
         "    return [g(row) for row in rows]\n"),
        ("function f(p) {\n  return p.then((res) => res.body)\n}\n", "(res) =>", "(response) =>", "javascript",
         "  return p.then((response) => response.body)\n"),
    ]
    for before, old, new, language, expected in cases:
        line = next(ln for ln in before.splitlines(keepends=True) if old in ln)
        req = session(before, (line, line.replace(old, new)), language=language)
        s = predict(req, min_confidence=None, ranker=SHIPPED)  # shown at the engine's own threshold
        assert s is not None and s.source == "structural:rename", (language, old)
        assert changed_lines(req, s)[1] == expected


def test_a_name_read_on_the_line_that_assigns_its_rename_is_left_alone():
    # `count = total + 1`: a new variable made from the old one, or the same one renamed; the
    # user's line is theirs (only a lambda's or comprehension's own variable is finished there)
    before = "def f(total):\n    total = total + 1\n    return total\n"
    req = session(before, ("    total = total + 1\n", "    count = total + 1\n"))
    assert all(c.edit.start_line != 1 for c in candidates(req, "structural:rename"))


def test_a_one_line_loop_renamed_at_its_variable_is_finished_on_the_users_line():
    cases = [("def f(items):\n    for it in items: print(it)\n", "for it in", "for item in", "python",
              "    for item in items: print(item)\n"),
             ("function f(xs) {\n  for (const x of xs) use(x)\n}\n", "const x of", "const value of", "javascript",
              "  for (const value of xs) use(value)\n")]
    for before, old, new, language, expected in cases:
        line = next(ln for ln in before.splitlines(keepends=True) if old in ln)
        req = session(before, (line, line.replace(old, new)), language=language)
        s = predict(req, min_confidence=None, ranker=SHIPPED)
        assert s is not None and changed_lines(req, s)[1] == expected, (language, s)


def test_an_enclosing_functions_variable_of_the_new_name_is_shadowed_not_merged():
    # tomlkit's items.py: `lambda kv:` -> `lambda entry:` in a method whose loop has an `entry`:
    # the lambda's own `entry` hides it, nothing is merged; but a function that reads the outer
    # name would capture it, and the ripple stops there
    before = "def f(rows):\n    rows.sort(key=lambda kv: kv[0])\n    for entry in rows:\n        use(entry)\n"
    req = session(before, ("    rows.sort(key=lambda kv: kv[0])\n", "    rows.sort(key=lambda entry: kv[0])\n"))
    s = predict(req, min_confidence=None, ranker=SHIPPED)
    assert s is not None and changed_lines(req, s)[1] == "    rows.sort(key=lambda entry: entry[0])\n"
    captures = "def outer():\n    count = 0\n\n    def inner(total):\n        return total + count\n    return inner\n"
    req = session(captures, ("    def inner(total):\n", "    def inner(count):\n"))
    assert candidates(req, "structural:rename") == []


# Go, against gopls' rename (bench/rename_oracle.py on google/uuid, BurntSushi/toml, pkg/errors
# and joho/godotenv, code nobody here tuned on): each of these renamed more or less than gopls
GO_RECEIVER = """\
package p

func (md *MetaData) unify(data any) error {
	md.a(data)

	// a

	md.b(data)

	// b

	md.c(data)

	// c

	md.d(data)

	// d

	md.e(data)

	// e

	md.f(data)

	// f

	md.g(data)

	// g

	return md.h(data)
}

func (md *MetaData) other() {}
"""


def test_a_go_parameter_ripples_past_the_five_newest_edits():
    # a Go parameter was a "definition" (its `name` field): once the renamed receiver left the
    # five newest edits, it was taken for a second MetaData beside the old one's, and the ripple
    # stopped (toml's `unify`: 6 of its 17 uses)
    done = follow_ripple(GO_RECEIVER, ("func (md *MetaData) unify(data any) error {\n",
                                       "func (meta *MetaData) unify(data any) error {\n"), 8, language="go")
    assert [new.strip() for _, new in done[1:]] == [
        f"meta.{c}(data)" for c in "abcdefg"] + ["return meta.h(data)"]
    assert follow_ripple(GO_RECEIVER, done[0], 9, to_the_end=True, language="go")[9:] == []  # not `other`'s


GO_CLOSURE = """\
package p

func BenchmarkDecode(b *testing.B) {
	b.ResetTimer()
	b.Run("x", func(b *testing.B) {
		use(b.N)
	})
	b.StopTimer()
}
"""


def test_a_go_closures_own_parameter_of_the_name_is_left_alone():
    seen = ripple(GO_CLOSURE, ("func BenchmarkDecode(b *testing.B) {\n", "func BenchmarkDecode(bench *testing.B) {\n"),
                  "go")
    assert seen == ["bench.ResetTimer()", "bench.Run(\"x\", func(b *testing.B) {", "bench.StopTimer()"]


def test_go_one_line_functions_closures_and_initializers_are_finished_on_the_users_line():
    cases = [
        ("func Is(err, target error) bool { return errors.Is(err, target) }\n", "Is(err, target error)", "Is(e, target error)",
         "func Is(e, target error) bool { return errors.Is(e, target) }\n"),
        ("func (w *withStack) Cause() error { return w.error }\n", "(w *", "(ws *",
         "func (ws *withStack) Cause() error { return ws.error }\n"),
        ("func f(xs []int) {\n\tsort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })\n}\n", "(i, j", "(a, j",
         "\tsort.Slice(xs, func(a, j int) bool { return xs[a] < xs[j] })\n"),
    ]
    for before, old, new, expected in cases:
        before = "package p\n\n" + before
        line = next(ln for ln in before.splitlines(keepends=True) if old in ln)
        req = session(before, (line, line.replace(old, new)), language="go")
        s = predict(req, min_confidence=0.0)
        assert s is not None and s.source == "structural:rename", old
        assert changed_lines(req, s)[1] == expected
    # an `if`'s own variable: its body's uses first (after the cursor), then its condition's
    before = "package p\n\nfunc f(op func() error) error {\n\tif err := op(); err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n"
    line = "\tif err := op(); err != nil {\n"
    seen = ripple(before, (line, line.replace("if err :=", "if opErr :=")), "go")
    assert seen == ["return opErr", "if opErr := op(); opErr != nil {"]


GO_RUNE = """\
package p

func (f *fundamental) Format(s fmt.State, verb rune) {
	switch verb {
	case 's':
		io.WriteString(s, f.msg)
	}
}
"""


def test_a_go_rune_literal_is_not_the_variable():
    seen = ripple(GO_RUNE, ("func (f *fundamental) Format(s fmt.State, verb rune) {\n",
                            "func (f *fundamental) Format(state fmt.State, verb rune) {\n"), "go")
    assert seen == ["io.WriteString(state, f.msg)"]


GO_CASES = """\
package p

func parts(src any, p map[string]any) {
	switch src := src.(type) {
	case string:
		use(src)
	}
	switch p["kind"] {
	case "valve":
		rating := int(p["rating"].(int64))
		keep(rating)
	case "cable":
		rating := float32(p["rating"].(float64))
		keep(rating)
	}
	last(src)
}
"""


def test_go_case_clauses_and_a_type_switchs_variable_are_bindings_of_their_own():
    seen = ripple(GO_CASES, ("func parts(src any, p map[string]any) {\n", "func parts(value any, p map[string]any) {\n"),
                  "go")
    assert seen == ["switch src := value.(type) {", "last(value)"]
    seen = ripple(GO_CASES, ("\t\trating := int(p[\"rating\"].(int64))\n", "\t\tlevel := int(p[\"rating\"].(int64))\n"),
                  "go")
    assert seen == ["keep(level)"]


JS_JSDOC = """\
/**
 * Sends the request.
 * @param {string} url where to
 * @param {object} [options] how
 */
function send(url, options) {
  return fetch(url, options);
}
"""

PY_SPHINX = '''\
def send(url, timeout):
    """Send it to the url.

    :param url: where to
    :param int timeout: how long
    """
    return post(url, timeout)
'''


def test_a_doc_comments_tag_naming_the_parameter_is_renamed_with_it():
    # typescript-language-server renames JSDoc's `@param` with the parameter (axios' `lib`: 85 of
    # 315 parameter renames differed only there); a Sphinx `:param name:` names it as surely
    seen = ripple(JS_JSDOC, ("function send(url, options) {\n", "function send(address, options) {\n"), "javascript")
    assert seen == ["return fetch(address, options);", "* @param {string} address where to"]
    seen = ripple(PY_SPHINX, ("def send(url, timeout):\n", "def send(address, timeout):\n"), "python")
    assert seen == [":param address: where to", "return post(address, timeout)"]  # not "to the url": prose
    seen = ripple(JS_JSDOC, ("function send(url, options) {\n", "function send(url, opts) {\n"), "javascript")
    assert seen == ["return fetch(url, opts);", "* @param {object} [opts] how"]


PY_SUPER_KEYWORDS = '''\
class ParseError(ValueError):
    def __init__(self, line, col, message=None):
        self.message = message
        super().__init__(message)
''' + "".join(f'''

class Invalid{kind}(ParseError):
    def __init__(self, line, col):
        message = "Invalid {kind.lower()}"
        super().__init__(line, col, message=message)
''' for kind in ("Time", "Date", "Number", "Key", "Value", "Table", "String")) + '''

class Holder:
    def __init__(self, message):
        self.message = message
'''


def test_a_parameter_rename_follows_keywords_through_super_and_past_the_recent_edits():
    # tomlkit's exceptions.py: every subclass passes `message=` to its base's `__init__` through
    # `super()` (basedpyright renames each keyword; the ripple renamed none, then stopped after
    # four once it did: a keyword as the newest example was taken for an attribute's rename)
    steps = follow_ripple(PY_SUPER_KEYWORDS, ("    def __init__(self, line, col, message=None):\n",
                                              "    def __init__(self, line, col, text=None):\n"), 12, to_the_end=True)
    assert [new.strip() for _, new in steps[1:]] == (
        ["self.message = text\n        super().__init__(text)"]  # (ValueError's: a use of the parameter)
        + ["super().__init__(line, col, text=message)"] * 7)  # not Holder's `self.message = message`


PY_RETURN_TYPE = '''\
def include_subclasses(cl, converter):
    def struct_hook(val, _cl=cl) -> cl:
        return converter.structure(val, _cl)
    return struct_hook
'''


def test_a_name_after_an_arrow_is_a_return_type_not_a_member():
    # cattrs' `_subclasses.py`: `-> cl` was read as C's `p->cl`, a member, and left
    seen = ripple(PY_RETURN_TYPE, ("def include_subclasses(cl, converter):\n",
                                   "def include_subclasses(base, converter):\n"), "python")
    assert seen == ["def struct_hook(val, _cl=base) -> base:"]


RS_SELF = """\
impl Bytes {
    pub fn new() -> Bytes {
        Bytes::empty()
    }

    pub fn empty() -> Bytes {
        Bytes { ptr: 0 }
    }

    pub fn slice(&self) -> Bytes {
        self.clone()
    }
}
"""


def test_a_name_swapped_for_a_keyword_is_swapped_where_the_examples_had_it_on_both_sides():
    # tokio's bytes: `-> Bytes {` -> `-> Self {` in each signature; `Bytes { ptr }` (a struct
    # literal) and `Bytes::new()` stay. `->` used to hide the name as C's member access; read as a
    # return type, only the token before it tells the signature from the literal
    req = session(RS_SELF, ("    pub fn new() -> Bytes {\n", "    pub fn new() -> Self {\n"),
                  ("    pub fn empty() -> Bytes {\n", "    pub fn empty() -> Self {\n"), language="rust")
    s = predict(req, min_confidence=0.0)
    assert s is not None and s.source == "structural:rename"
    assert changed_lines(req, s)[1] == "    pub fn slice(&self) -> Self {\n"


def test_a_parameter_renamed_in_a_rewritten_header_ripples_but_not_one_replaced_by_another():
    # go-chi's dev case: a comment added and `handler` -> `endpoint` in one edit (a parameter was
    # a "definition" in Go, so only Go's got the `declared` rule); httpx's: `data: AsyncIterator`
    # -> `request: Request` is another parameter, whose uses need `request.stream()`, not `request`
    go = ("package p\n\nfunc chain(mws []M, handler http.Handler) http.Handler {\n\tif len(mws) == 0 {\n"
          "\t\treturn handler\n\t}\n\treturn mws[0](handler)\n}\n")
    req = session(go, ("func chain(mws []M, handler http.Handler) http.Handler {\n",
                       "// chain wraps the endpoint\nfunc chain(mws []M, endpoint http.Handler) http.Handler {\n"),
                  language="go")
    s = predict(req, min_confidence=0.0)
    assert s is not None and s.source == "structural:rename"
    assert changed_lines(req, s)[1] == "\t\treturn endpoint\n\t}\n\treturn mws[0](endpoint)\n"
    py = ("class C:\n    async def _send(self, data: AsyncIterator[bytes], timeout=None):\n"
          "        async for chunk in data:\n            await self.write(chunk, timeout)\n")
    req = session(py, ("    async def _send(self, data: AsyncIterator[bytes], timeout=None):\n",
                       "    # the whole request\n    async def _send_body(self, request: Request, timeout=None):\n"))
    s = predict(req, min_confidence=0.0)
    assert s is None or s.source != "structural:rename"


def test_a_rust_paths_segment_is_not_the_local_and_a_one_line_functions_name_is_not_its_parameter():
    # found by bench/rename_rustc.py (cargo check) on anyhow and semver: `Error::msg(msg)` became
    # `Error::text(text)`, `ptr::read(ptr)` `ptr_nx::read(...)`; and this session's one-line
    # functions renamed `fn context(self, context: C)`'s own name with its parameter
    before = "pub fn report(msg: &str) -> Error {\n    let len = msg.len();\n    Error::msg(msg)\n}\n"
    seen = ripple(before, ("pub fn report(msg: &str) -> Error {\n", "pub fn report(text: &str) -> Error {\n"), "rust")
    assert seen == ["let len = text.len();", "Error::msg(text)"]
    line = "    pub fn context(self, context: &str) -> Error { Error::msg(context) }\n"
    req = session("impl Error {\n" + line + "}\n", (line, line.replace("context: &str", "ctx: &str")), language="rust")
    s = predict(req, min_confidence=0.0)
    assert s is not None and s.source == "structural:rename"
    assert changed_lines(req, s)[1] == "    pub fn context(self, ctx: &str) -> Error { Error::msg(ctx) }\n"


GO_GENERIC = """\
package p

func New2Q[K comparable, V any](size int) (*Cache[K, V], error) {
	return NewParams[K, V](size)
}

func (c *Cache[K, V]) Get(key K) (value V, ok bool) {
	return
}
"""

GO_FOR_HEADER = """\
package p

func parse(path string) int {
	n := 0
	for pos := 0; pos < len(path); {
		n += int(path[pos])
		pos++
	}
	return n
}
"""


def test_the_users_line_is_finished_after_the_body_and_a_type_parameter_stays_in_its_function():
    # gopls on hashicorp/golang-lru and buger/jsonparser: a type parameter's own line was left
    # (`*Cache[K, V]`); and once the body came first, the header's own use (`pos < len(path)`) was
    # left, and finishing it made the user's first edit no longer match its line: taken for a
    # file-wide name, `K` went on into every method of the file
    seen = ripple(GO_GENERIC, ("func New2Q[K comparable, V any](size int) (*Cache[K, V], error) {\n",
                               "func New2Q[Key comparable, V any](size int) (*Cache[K, V], error) {\n"), "go")
    assert seen == ["return NewParams[Key, V](size)",
                    "func New2Q[Key comparable, V any](size int) (*Cache[Key, V], error) {"]
    seen = ripple(GO_FOR_HEADER, ("\tfor pos := 0; pos < len(path); {\n", "\tfor i := 0; pos < len(path); {\n"), "go")
    assert seen == ["n += int(path[i])", "i++", "for i := 0; i < len(path); {"]


def test_a_rust_lifetime_of_the_parameters_name_is_not_the_parameter():
    # httparse: `buf: &'buf [u8]` renamed to `data` renamed the lifetime `'buf` too (in the
    # signature and its generics): it compiles, a compiler cannot tell, rust-analyzer would not
    before = ("pub fn parse<'buf>(\n    buf: &'buf [u8],\n) -> &'buf [u8] {\n    let rest = &buf[1..];\n    rest\n}\n")
    seen = ripple(before, ("    buf: &'buf [u8],\n", "    data: &'buf [u8],\n"), "rust")
    assert seen == ["let rest = &data[1..];"]


TS_CLASS = """\
class TreeNode<T> {
  tag = create()

  constructor(public value: T, type: string) {
    this.value = value
    this.tag.value = value
    use(type)
  }

  read() {
    return this.value
  }
}

class Other {
  value = 1
  get() {
    return this.value
  }
}
"""

TS_ASSIGNED = """\
function check(options: object) {
  let stack
  let limit = 0
  ;({ stack, limit = 1 } = options as any)
  return [stack, limit]
}
"""


def test_typescript_parameter_properties_keyword_named_parameters_and_assigned_patterns():
    # typescript-language-server on reduxjs/reselect, jquense/yup and developit/mitt: a parameter
    # property's `this.value` is the parameter's member; a parameter named `type` (a keyword to
    # the lexer) was never renamed; `({ stack } = e)` assigns the variable, it declares nothing
    seen = ripple(TS_CLASS, ("  constructor(public value: T, type: string) {\n",
                             "  constructor(public current: T, type: string) {\n"), "typescript")
    assert seen == ["this.current = current", "this.tag.value = current", "return this.current"]
    seen = ripple(TS_CLASS, ("  constructor(public value: T, type: string) {\n",
                             "  constructor(public value: T, kind: string) {\n"), "typescript")
    assert seen == ["use(kind)"]
    seen = ripple(TS_ASSIGNED, ("  let stack\n", "  let trace\n"), "typescript")
    assert seen == [";({ stack: trace, limit = 1 } = options as any)", "return [trace, limit]"]
    seen = ripple(TS_ASSIGNED, ("  let limit = 0\n", "  let max = 0\n"), "typescript")
    assert seen == [";({ stack, limit: max = 1 } = options as any)", "return [stack, max]"]


PY_CONSTRUCTOR = '''\
class ParserSyntaxError(Exception):
    def __init__(self, message, *, source, span):
        self.span = span
        self.source = source


class Base:
    def filter(self, items, prereleases=None):
        return items


class Spec(Base):
    def filter(self, items, prereleases=None, key=None):
        return items

    def contains(self, item):
        return self.filter([item], prereleases=True)


class Collector:
    def error(
        self,
        error,
    ):
        self.errors.append(error)


def fail(text):
    raise ParserSyntaxError("bad", source=text, span=(0, 1))
'''


def test_python_keywords_reach_a_classs_calls_and_stop_at_an_override_and_a_functions_own_name_stays():
    # basedpyright on packaging and pygls: `ParserSyntaxError(..., span=...)` passes `span` to its
    # `__init__`; a subclass's `self.filter(...)` calls its own `filter`, not the base's; and
    # `def error(self, error)` over two lines lost its name to its parameter's rename
    seen = ripple(PY_CONSTRUCTOR, ("    def __init__(self, message, *, source, span):\n",
                                   "    def __init__(self, message, *, source, extent):\n"), "python")
    assert seen == ["self.span = extent", 'raise ParserSyntaxError("bad", source=text, extent=(0, 1))']
    seen = ripple(PY_CONSTRUCTOR, ("    def filter(self, items, prereleases=None):\n",
                                   "    def filter(self, items, pre=None):\n"), "python")
    assert seen == []
    seen = ripple(PY_CONSTRUCTOR, ("    def filter(self, items, prereleases=None, key=None):\n",
                                   "    def filter(self, items, pre=None, key=None):\n"), "python")
    assert seen == ["return self.filter([item], pre=True)"]
    seen = ripple(PY_CONSTRUCTOR, ("        error,\n", "        exc,\n"), "python")
    assert seen == ["self.errors.append(exc)"]
    # (a lambda's body may be the name alone, a child of the lambda like a function's name)
    line = "    register(datetime, lambda v: v)\n"
    req = session("def setup(register):\n" + line, (line, line.replace("lambda v:", "lambda value:")), language="python")
    s = predict(req, min_confidence=0.0)
    assert s is not None and changed_lines(req, s)[1] == "    register(datetime, lambda value: value)\n"

"""Signature change: parameters added, removed or reordered -> the next call site."""

from edit_sessions import AREA_CALLS as PY
from edit_sessions import changed_lines, predict, session
from nxedit.model.predict.structural import MIN_CONFIDENCE
from nxedit.model.predict.structural.signature import find_change, split_top_level

def test_added_parameter_passes_the_local_of_that_name():
    req = session(PY, ("def area(w, h):\n", "def area(w, h, scale):\n"))
    s = predict(req)
    assert s.source == "structural:signature"
    old, new = changed_lines(req, s)
    assert old == ["    return area(a, b)\n"] and new == "    return area(a, b, scale)\n"


def test_added_parameter_without_a_local_gets_a_marked_placeholder_only_on_request():
    req = session(PY, ("def area(w, h):\n", "def area(w, h, scale):\n"),
                  ("    return area(a, b)\n", "    return area(a, b, scale)\n"))
    s = predict(req, min_confidence=0.2)  # a client asking for guesses
    old, new = changed_lines(req, s)
    assert new == "    return area(a, b, <scale>)\n"
    # a placeholder is never the user's final text: below the default threshold
    assert s.confidence < MIN_CONFIDENCE
    assert predict(req, min_confidence=MIN_CONFIDENCE) is None


def test_renamed_parameter_leaves_the_calls_alone():
    before = "fn error(err: &str) -> ! {\n    panic!(\"{}\", err)\n}\n\n\n\nfn main() {\n    error(&f);\n}\n"
    req = session(before, ("fn error(err: &str) -> ! {\n", "fn error(message: &str) -> ! {\n"), language="rust")
    s = predict(req, min_confidence=0.0)
    assert s is None or s.source != "structural:signature"
    # a parameter added beside the renamed one is still a signature change
    req2 = session(before, ("fn error(err: &str) -> ! {\n", "fn error(message: &str, code: i32) -> ! {\n"),
                   language="rust")
    s2 = predict(req2, min_confidence=0.0)
    assert s2.source == "structural:signature"
    assert changed_lines(req2, s2)[1] == "    error(&f, <code>);\n"


def test_added_parameter_with_a_default_needs_no_call_change():
    req = session(PY, ("def area(w, h):\n", "def area(w, h, scale=1):\n"))
    assert predict(req) is None


def test_rust_removed_parameter_is_removed_at_the_call():
    before = "fn add(a: i32, b: i32, c: i32) -> i32 {\n    a + b\n}\n\n\n\nfn main() {\n    let x = add(1, 2, 3);\n}\n"
    req = session(before, ("fn add(a: i32, b: i32, c: i32) -> i32 {\n", "fn add(a: i32, b: i32) -> i32 {\n"),
                  language="rust")
    old, new = changed_lines(req, predict(req))
    assert new == "    let x = add(1, 2);\n"


def test_go_reordered_parameters_reorder_the_arguments():
    before = "package m\n\nfunc pair(key string, value int) {}\n\n\n\nfunc main() {\n\tpair(\"a\", 1)\n}\n"
    req = session(before, ("func pair(key string, value int) {}\n", "func pair(value int, key string) {}\n"),
                  language="go")
    old, new = changed_lines(req, predict(req))
    assert new == '\tpair(1, "a")\n'


def test_typescript_method_call_through_an_object():
    before = "function greet(name: string) {}\n\n\n\nconst user = 'x'\ngreet(user)\n"
    req = session(before, ("function greet(name: string) {}\n", "function greet(name: string, loud: boolean) {}\n"),
                  language="typescript")
    old, new = changed_lines(req, predict(req, min_confidence=0.2))
    assert new == "greet(user, <loud>)\n"


def test_header_parsing_keeps_nested_brackets_together():
    assert split_top_level("a: Map<K, V>, f: (x, y) => z, s = 'a,b'", angle=True) == [
        "a: Map<K, V>", "f: (x, y) => z", "s = 'a,b'"]
    change = find_change("    def m(self, a):\n", "    def m(self, a, b):\n", "python")
    assert [p.name for p in change.new] == ["a", "b"]  # self is not an argument at call sites


def test_a_go_variadic_parameter_needs_no_argument_at_the_calls():
    """`parents ...string` may be left out by callers: adding it is not a call-site change."""
    go = ("package v\n\nfunc Validate(obj interface{}) error {\n\treturn nil\n}\n\n"
          "func check(parents string) error {\n\treturn Validate(1)\n}\n")
    req = session(go, ("func Validate(obj interface{}) error {\n",
                       "func Validate(obj interface{}, parents ...string) error {\n"), language="go")
    assert find_change("func Validate(obj interface{}) error {\n",
                       "func Validate(obj interface{}, parents ...string) error {\n", "go").new[-1].optional
    s = predict(req, min_confidence=0.0)
    assert s is None or s.source != "structural:signature"


def test_a_kept_parameter_of_a_new_type_leaves_the_calls_to_the_user():
    """`log(level string, levelInt Level, msg string)` -> `log(level Level, msg string)`: two
    parameters became one of the second one's type; dropping the argument at the position of
    the removed name would keep the string and drop the Level (a real commit did the opposite)."""
    assert find_change("func log(level string, levelInt Level, msg string) {\n",
                       "func log(level Level, msg string) {\n", "go") is None
    # a parameter added beside unchanged ones is still a change the calls follow
    assert find_change("func log(level Level) {\n", "func log(level Level, msg string) {\n", "go") is not None

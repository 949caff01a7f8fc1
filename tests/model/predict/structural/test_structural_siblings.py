"""Lines inserted at an edge of a definition go to the same edge of the next one (siblings.py)."""

from edit_sessions import candidates, changed_lines, predict, session

RUST = """\
impl Slice {
    /// The length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}
"""


def _repeats(req):
    return [(c.rule, c.edit.start_line, c.edit.new_text) for c in candidates(req, "structural:repeat")]


def test_a_marker_attribute_goes_above_the_next_definition_of_that_kind():
    req = session(RUST, ("    pub fn len(&self) -> usize {\n", "    #[inline]\n    pub fn len(&self) -> usize {\n"),
                  language="rust")
    assert _repeats(req) == [("insert-sibling", 8, "    #[inline]\n")]
    old, new = changed_lines(req, predict(req, min_confidence=0.0))
    assert old == [] and new == "    #[inline]\n"
    # an attribute with arguments configures its own item: `#[cfg(miri)]` is not for the next fn
    req = session(RUST, ("    pub fn len(&self) -> usize {\n", "    #[cfg(miri)]\n    pub fn len(&self) -> usize {\n"),
                  language="rust")
    assert _repeats(req) == []


def test_a_decorator_goes_on_top_of_the_next_stack_of_the_same_decorators():
    before = ("class TestBench:\n    @pytest.mark.parametrize('cls', [A, B])\n    def test_fields(self, cls):\n"
              "        assert cls\n\n    @pytest.mark.parametrize('cls', [C, D])\n    def test_asdict(self, cls):\n"
              "        assert cls\n\n    def test_plain(self):\n        assert True\n")
    req = session(before, ("    @pytest.mark.parametrize('cls', [A, B])\n",
                           "    @pytest.mark.benchmark()\n    @pytest.mark.parametrize('cls', [A, B])\n"))
    assert _repeats(req) == [("insert-sibling", 6, "    @pytest.mark.benchmark()\n")]


def test_a_first_line_using_a_parameter_goes_into_the_next_function_taking_it():
    before = ("package m\n\nfunc assertNoError(t *testing.T, err error) {\n\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n}\n\n"
              "func format(err error) string {\n\treturn err.Error()\n}\n\n"
              "func assertError(t *testing.T, err error) {\n\tif err == nil {\n\t\tt.Fatal(\"no error\")\n\t}\n}\n")
    req = session(before, ("\tif err != nil {\n", "\tt.Helper()\n\tif err != nil {\n"), language="go")
    assert _repeats(req) == [("insert-sibling", 14, "\tt.Helper()\n")]  # not into format()
    # lines that use nothing of the header (a lock of a global) belong to their own function
    req = session(before, ("\tif err != nil {\n", "\tmu.Lock()\n\tif err != nil {\n"), language="go")
    assert _repeats(req) == []


def test_a_modifier_added_to_a_header_goes_to_the_next_header_of_that_kind():
    # rand: `fn new_seeded` became `pub fn new_seeded`; the next method is made public too
    before = ("impl IsaacRng {\n    fn new_seeded(seed: &[u8]) -> IsaacRng {\n        seeded(seed)\n    }\n\n"
              "    fn new_unseeded() -> IsaacRng {\n        seeded(&[])\n    }\n}\n")
    req = session(before, ("    fn new_seeded(seed: &[u8]) -> IsaacRng {\n",
                           "    pub fn new_seeded(seed: &[u8]) -> IsaacRng {\n"), language="rust")
    assert _repeats(req) == [("insert-sibling", 5, "    pub fn new_unseeded() -> IsaacRng {\n")]
    # a value is no modifier: `pass_many=False` -> `pass_many=True` is not taken to the next def
    before = "def pre_dump(fn=None, pass_many=False):\n    return fn\n\n\ndef post_dump(fn=None, pass_many=False):\n    return fn\n"
    req = session(before, ("def pre_dump(fn=None, pass_many=False):\n", "def pre_dump(fn=None, pass_many=True):\n"))
    assert [r for r in _repeats(req) if r[0] == "insert-sibling"] == []


def test_a_line_deleted_at_an_edge_goes_at_the_same_edge_of_the_next_definition():
    # starlette: the debug print at the top of one handler, then the next handler's
    before = ("class Parser:\n    def on_field_start(self) -> None:\n        print(\"on_field_start\")\n        self.n = 0\n\n"
              "    def on_field_name(self, data: bytes) -> None:\n        print(\"on_field_name\")\n        self.n += 1\n")
    req = session(before, ('        print("on_field_start")\n', ""))
    assert _repeats(req) == [("insert-sibling", 5, "")]
    # rand: an inline hint taken off one method goes off the next one, whatever its arguments
    req = session(RUST.replace("    pub fn len", "    #[inline(always)]\n    pub fn len").replace(
        "    pub fn is_empty", "    #[inline]\n    pub fn is_empty"), ("    #[inline(always)]\n", ""), language="rust")
    assert _repeats(req) == [("insert-sibling", 7, "")]


def test_a_guard_put_first_in_two_bodies_goes_first_in_the_next_body_of_that_kind():
    # tracing: `if !self.has_dynamics { return; }` first in two methods; once is the method's own
    before = ("impl Filter {\n"
              "    fn on_enter(&self, id: &Id) {\n        self.enter(id);\n    }\n\n"
              "    fn on_exit(&self, id: &Id) {\n        self.exit(id);\n    }\n\n"
              "    fn on_close(&self, id: Id) {\n        self.close(id);\n    }\n}\n")
    guard = "        if !self.has_dynamics {\n            return;\n        }\n"
    once = session(before, ("        self.enter(id);\n", guard + "        self.enter(id);\n"), language="rust")
    assert [r for r in _repeats(once) if r[0] == "insert-sibling"] == []
    twice = session(before, ("        self.enter(id);\n", guard + "        self.enter(id);\n"),
                    ("        self.exit(id);\n", guard + "        self.exit(id);\n"), language="rust")
    assert ("insert-sibling", 16, guard) in _repeats(twice)


def test_a_method_put_last_in_a_block_goes_last_in_the_next_block_whose_header_begins_alike():
    # bytes: `take` appended to `trait Buf`, then to `trait MutBuf` (not into `impl Other`)
    before = ("pub trait Buf {\n    fn read(&mut self) -> u8 {\n        0\n    }\n}\n\n"
              "impl Other {\n    fn other(&self) {\n    }\n}\n\n"
              "pub trait MutBuf {\n    fn write(&mut self, n: u8) {\n        drop(n)\n    }\n}\n")
    method = "\n    fn take(self, limit: usize) -> Take<Self> {\n        Take::new(self, limit)\n    }\n"
    req = session(before, ("    }\n}\n", "    }\n" + method + "}\n"), language="rust")
    found = [r for r in _repeats(req) if r[0] == "insert-sibling"]
    assert found == [("insert-sibling", 19, method)]  # after MutBuf's `write`, before its `}`

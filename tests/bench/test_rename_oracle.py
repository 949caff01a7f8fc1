"""bench/rename_oracle.py: the rename ripple against a real language server's rename (basedpyright)."""

import asyncio

import pytest

from nxedit.model.lsp.servers import find_command

from bench_scripts import load_bench

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_command("basedpyright-langserver") is None, reason="basedpyright is not installed"),
]

# the traps of issue 13 and this session: a comprehension's own variable, a nested function's
# parameter beside a sibling's of the same name, an attribute and a keyword argument of the name
SOURCE = '''\
def rows(table, key):
    row = table[0]
    keys = [row.key for row in table]
    return row, keys, dict(key=key)


def factory(kind):
    def first(obj):
        return list(obj)

    def second(obj):
        return tuple(obj)
    return first, second, kind


def inline(values):
    return sorted(values, key=lambda v: -v)


def loop(items):
    for it in items: print(it)


class Box:
    def put(self, *, item=None):
        return item


def fill(box: Box):
    return box.put(item=1)
'''


def test_the_ripple_agrees_with_the_server_but_for_a_keyword_through_a_typed_receiver(tmp_path):
    bench = load_bench("rename_oracle")
    path = tmp_path / "sample.py"
    path.write_text(SOURCE)
    decls = bench.declarations(SOURCE, "python", str(path))
    assert [(name, kind) for _, _, name, kind in decls] == [
        ("table", "parameter"), ("key", "parameter"), ("row", "variable"), ("keys", "variable"),
        ("kind", "parameter"), ("obj", "parameter"), ("obj", "parameter"), ("values", "parameter"),
        ("v", "parameter"), ("items", "parameter"), ("it", "variable"), ("item", "parameter"), ("box", "parameter")]  # (a name once a function: the comprehension's `row` is the trap, not a rename)
    judged = asyncio.run(bench.judge([path], "python", show=20, show_under=True))
    counts = judged.counts
    assert judged.server == "basedpyright"
    assert counts["parameter renames"] + counts["variable renames"] == len(decls)
    assert counts["variable over"] == 0 and counts["parameter over"] == 0
    # `lambda v: -v` and the one-line loop are finished on the user's line; `box.put(item=1)` is a
    # keyword the server follows through `box: Box`, the engine only through `self`/`cls`: the bench
    # must see that miss, and only that one
    (miss,) = judged.shown
    assert miss[2:4] == ("item", "parameter") and miss[4] == [] and len(miss[5]) == 1
    assert counts["parameter exact"] == counts["parameter renames"] - 1
    assert counts["variable exact"] == counts["variable renames"]

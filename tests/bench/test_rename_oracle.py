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
'''


def test_the_ripple_agrees_with_the_server_and_a_loop_on_one_line_is_the_one_miss(tmp_path):
    bench = load_bench("rename_oracle")
    path = tmp_path / "sample.py"
    path.write_text(SOURCE)
    decls = bench.declarations(SOURCE, "python", str(path))
    assert [(name, kind) for _, _, name, kind in decls] == [
        ("table", "parameter"), ("key", "parameter"), ("row", "variable"), ("keys", "variable"),
        ("kind", "parameter"), ("obj", "parameter"), ("obj", "parameter"), ("values", "parameter"),
        ("v", "parameter"), ("items", "parameter"), ("it", "variable")]  # (a name once a function: the comprehension's `row` is the trap, not a rename)
    judged = asyncio.run(bench.judge([path], "python", show=20, show_under=True))
    counts = judged.counts
    assert judged.server == "basedpyright"
    assert counts["parameter renames"] + counts["variable renames"] == len(decls)
    assert counts["variable over"] == 0 and counts["parameter over"] == 0
    # `lambda v: -v` renamed at `v` is finished on its line; `for it in items: print(it)` is not (the
    # ripple edits the user's own line only inside a lambda or comprehension the name is bound by)
    (miss,) = judged.shown
    assert miss[2:4] == ("it", "variable") and miss[4] == [] and len(miss[5]) == 1
    assert counts["parameter exact"] == counts["parameter renames"]
    assert counts["variable exact"] == counts["variable renames"] - 1

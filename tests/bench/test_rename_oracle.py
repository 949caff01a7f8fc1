"""bench/rename_oracle.py: the rename ripple against a real language server's rename (basedpyright)."""

import asyncio

import pytest
from bench_scripts import load_bench
from nxedit.model.lsp.servers import find_command

pytestmark = pytest.mark.slow

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


@pytest.mark.skipif(find_command("basedpyright-langserver") is None, reason="basedpyright is not installed")
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


# Go (gopls, Debian's, which .ci/run installs): the traps the oracle found in google/uuid,
# BurntSushi/toml and pkg/errors: a receiver used past the five newest edits, a closure's own
# parameter of the name, one-line functions, an `if`'s initializer, a rune literal, a type
# switch's variable and case clauses as blocks
GO_SOURCE = '''\
package sample

import (
	"errors"
	"fmt"
	"io"
)

type Meta struct{ n int }

func (md *Meta) unify(data any) error {
	md.n++
	switch data := data.(type) {
	case string:
		md.n += len(data)
	}
	md.n++
	md.n++
	md.n++
	md.n++
	md.n++
	return md.check(data)
}

func (md *Meta) check(data any) error { return md.other(data) }

func (md *Meta) other(any) error { return nil }

func run(b *Meta, op func() error) error {
	b.n++
	each(func(b *Meta) { b.n-- })
	if err := op(); err != nil {
		return err
	}
	return nil
}

func each(func(*Meta)) {}

func Format(s io.Writer, verb rune) {
	switch verb {
	case 's':
		fmt.Fprint(s, "s")
	}
}

func parts(p map[string]any) (int, error) {
	switch p["kind"] {
	case "valve":
		rating := p["rating"].(int)
		return rating, nil
	case "cable":
		rating := p["rating"].(int) * 2
		return rating, nil
	}
	return 0, errors.New("kind")
}
'''


@pytest.mark.skipif(find_command("gopls") is None, reason="gopls is not installed")
def test_the_go_ripple_agrees_with_gopls(tmp_path, monkeypatch):
    monkeypatch.setenv("GOFLAGS", "-mod=mod")
    monkeypatch.setenv("GOPROXY", "off")  # nothing to download: the sample imports the standard library only
    for var in ("GOPATH", "GOCACHE"):  # (gopls and go write there: not into a home CI may not have)
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    bench = load_bench("rename_oracle")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "go.mod").write_text("module example.com/sample\n\ngo 1.19\n")
    path = tmp_path / "src" / "sample.go"
    path.write_text(GO_SOURCE)
    decls = bench.declarations(GO_SOURCE, "go", str(path))
    assert {(name, kind) for _, _, name, kind in decls} >= {
        ("md", "parameter"), ("data", "parameter"), ("b", "parameter"), ("err", "variable"), ("s", "parameter"),
        ("rating", "variable")}
    judged = asyncio.run(bench.judge([path], "go", show=20, show_under=True))
    counts = judged.counts
    assert judged.server == "gopls"
    assert counts["parameter renames"] + counts["variable renames"] == len(decls)
    assert judged.shown == []
    assert counts["parameter exact"] == counts["parameter renames"]
    assert counts["variable exact"] == counts["variable renames"]

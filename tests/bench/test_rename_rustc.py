"""bench/rename_rustc.py: the Rust rename ripple judged by the compiler (cargo check, offline)."""

import shutil

import pytest
from bench_scripts import load_bench

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed")]

MANIFEST = '''\
[package]
name = "sample"
version = "0.1.0"
edition = "2021"

[dependencies]
serde = { version = "1", optional = true }

[dev-dependencies]
trybuild = "1"

[features]
default = ["std"]
std = []
serde = ["dep:serde"]
'''

# the traps anyhow and semver showed: a path's segment of the name (`Error::msg`, `ptr::read`),
# a one-line function named like its parameter, and a loop's own binding of the name; and type
# parameters (an item's own `T`, the header's own `Wrap<T>`, a path's head `U::default`)
LIB = '''\
pub struct Error;

impl Error {
    pub fn msg(m: &str) -> Error {
        let _ = m;
        Error
    }

    pub fn context(self, context: &str) -> Error { Error::msg(context) }
}

pub fn report(msg: &str) -> Error {
    let len = msg.len();
    for msg in ["a", "b"] {
        let _ = msg.len();
    }
    let _ = len;
    Error::msg(msg)
}

pub fn first(ptr: *const u8) -> u8 {
    unsafe { core::ptr::read(ptr) }
}

pub struct Wrap<T>(pub T);

impl<T: Clone> Wrap<T> {
    pub fn get(&self) -> T { self.0.clone() }
}

pub fn made<U: Default>() -> U { U::default() }
'''


def make_crate(root):
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(MANIFEST)
    (root / "src" / "lib.rs").write_text(LIB)
    return root


def test_the_manifest_loses_its_dependencies_and_keeps_its_own_features():
    bench = load_bench("rename_rustc")
    out = bench.offline_manifest(MANIFEST)
    assert "serde" not in out and "trybuild" not in out and "dependencies" not in out
    assert '"default" = ["std"]' in out and '"std" = []' in out


def test_the_ripple_leaves_the_crate_as_clean_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "target"))
    bench = load_bench("rename_rustc")
    counts, shown = bench.judge(make_crate(tmp_path / "crate"), ["src/lib.rs"], per_file=20, show=10)
    assert shown == []
    judged = counts["parameter renames"] + counts["variable renames"]
    assert judged == 5  # m, context, msg (not the loop's: a name once a function), len, ptr
    assert counts["parameter clean"] + counts["variable clean"] == judged
    assert counts["type parameter renames"] == counts["type parameter clean"] == 3  # Wrap's, the impl's, made's
    assert bench.fresh("T", LIB) == "TNx"  # (camel case: a lint warns of `T_nx`)


def test_a_ripple_that_stops_short_is_caught(tmp_path, monkeypatch):
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "target"))
    bench = load_bench("rename_rustc")

    def no_ripple(text, line, column, old, new, language, path):  # the declaration renamed, its uses left
        lines = text.splitlines(keepends=True)
        lines[line] = lines[line][:column] + new + lines[line][column + len(old):]
        return "".join(lines)

    monkeypatch.setattr(bench.rename_oracle, "ripple", no_ripple)
    counts, _ = bench.judge(make_crate(tmp_path / "crate"), ["src/lib.rs"], per_file=20, show=10)
    judged = counts["parameter renames"] + counts["variable renames"]
    assert judged == 5 and counts["parameter errors"] + counts["variable errors"] == judged
    assert counts["parameter clean"] + counts["variable clean"] == 0
    assert counts["type parameter errors"] == 3

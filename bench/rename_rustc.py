#!/usr/bin/env python3
"""Does the rename ripple rename a Rust local right? The compiler says, where no server can.

    python bench/rename_rustc.py CRATE [--files 'src/**/*.rs'] [--per-file 25] [--show 10]

rust-analyzer is the oracle :mod:`rename_oracle` would use for Rust, and it cannot be had
everywhere (rustup's component is a download). ``cargo check`` can: for each local declared in
a function of the crate's files (a parameter or a variable, as :func:`rename_oracle.declarations`
finds them), the user's rename of its declaration is simulated and the engine's ripple followed
to its end (:func:`rename_oracle.ripple`), then the crate is checked twice against its own
diagnostics before any change:

- the declaration renamed alone must break the build (its uses name nothing now): otherwise the
  code is not compiled here (a ``cfg`` left out, a test module) or the name has no use, and the
  rename is not judged;
- the ripple must leave no new diagnostic: a new error is a use left behind or a wrong one
  renamed (under-reach, or a member renamed), a new warning (an unused variable or assignment)
  a use of *another* binding of the name renamed (over-reach: the loop's own ``error`` renamed
  with the function's, whose declaration then has no use).

The crate is copied to a temporary folder with its dependency tables removed (``--offline``:
nothing is downloaded; code behind a feature that needs a dependency is left out, and so
unjudged). A compiler cannot see every wrong rename (renaming two bindings alike compiles when
neither is used apart), so this bounds the ripple's faults from below.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rename_oracle  # (bench/rename_oracle.py: the declarations and the ripple, as it judges them)

DEPENDENCY_TABLE = re.compile(r"^\[(?:target\..*\.)?(?:dev[-_]|build[-_])?dependencies(?:\..*)?\]\s*$")
TARGET_TABLE = re.compile(r"^\[\[(?:bench|test|example)\]\]\s*$")


def offline_manifest(text: str) -> str:
    """``Cargo.toml`` without dependencies (and the benches, tests and examples that need them),
    its features kept but for what names a dependency."""
    data = tomllib.loads(text)
    deps = set()
    for key, value in data.items():
        if key.replace("_", "-") in ("dependencies", "dev-dependencies", "build-dependencies"):
            deps |= set(value)
    for target in data.get("target", {}).values():
        for key in ("dependencies", "dev-dependencies", "build-dependencies"):
            deps |= set(target.get(key, {}))
    out, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = bool(DEPENDENCY_TABLE.match(line) or TARGET_TABLE.match(line) or line.strip() == "[features]")
        if not skipping:
            out.append(line)
    features = data.get("features", {})
    kept = {}
    for name, wants in features.items():
        if name in deps:
            continue
        kept[name] = [w for w in wants if "/" not in w and not w.startswith("dep:") and w not in deps]
    out.append("\n[features]")
    out += [f"{json.dumps(name)} = {json.dumps(wants)}" for name, wants in kept.items()]
    return "\n".join(out) + "\n"


def fresh(name: str, text: str) -> str:
    """A new name for ``name`` that ``text`` does not use: camel case for a type (`T` -> `TNx`),
    else snake case (``self_`` -> ``self_nx``: not ``self__nx``, which the compiler's lint would
    warn about), a leading ``_`` kept (it keeps an unused variable quiet)."""
    lead = name[: len(name) - len(name.lstrip("_"))]
    new = f"{name}Nx" if name[:1].isupper() else f"{lead}{name.strip('_') or 'v'}_nx"  # `T` -> `TNx`
    while re.search(rf"\b{re.escape(new)}\b", text):
        new += "x"
    return new


def diagnostics(crate: Path) -> Counter:
    """The compiler's diagnostics for the crate: (level, code, file, line, message)."""
    run = subprocess.run(["cargo", "check", "--offline", "--quiet", "--message-format=json"], cwd=crate, check=False,
                         capture_output=True, text=True, timeout=600)
    found = Counter()
    for line in run.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        message = item.get("message") if item.get("reason") == "compiler-message" else None
        if not message or message.get("level") not in ("error", "warning") or not message.get("spans"):
            continue
        span = next((s for s in message["spans"] if s.get("is_primary")), message["spans"][0])
        code = (message.get("code") or {}).get("code")
        found[(message["level"], code, span["file_name"], span["line_start"], message["message"])] += 1
    if run.returncode != 0 and not any(k[0] == "error" for k in found):
        found[("error", None, "", 0, run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "cargo failed")] += 1
    return found


def judge(crate: Path, files: list[str], per_file: int, show: int) -> tuple[Counter, list]:
    counts, shown = Counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "crate"
        shutil.copytree(crate, work, ignore=shutil.ignore_patterns("target", ".git"))
        (work / "Cargo.toml").write_text(offline_manifest((crate / "Cargo.toml").read_text()))
        os.environ.setdefault("CARGO_TARGET_DIR", str(Path(tmp) / "target"))
        base = diagnostics(work)
        if any(k[0] == "error" for k in base):
            raise SystemExit(f"{crate} does not build offline: {next(k for k in base if k[0] == 'error')}")
        for rel in files:
            path = work / rel
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            for line, column, old, kind in rename_oracle.declarations(text, "rust", str(path))[:per_file]:
                new = fresh(old, text)
                alone = lines[:line] + [lines[line][:column] + new + lines[line][column + len(old):]] + lines[line + 1:]
                path.write_text("".join(alone))
                if not any(k[0] == "error" for k in diagnostics(work) - base):
                    counts[f"{kind} unjudged"] += 1  # not compiled here, or no use: the compiler cannot tell
                    continue
                path.write_text(rename_oracle.ripple(text, line, column, old, new, "rust", str(path)))
                new_diags = diagnostics(work) - base
                path.write_text(text)
                counts[f"{kind} renames"] += 1
                errors = [k for k in new_diags if k[0] == "error"]
                warnings = [k for k in new_diags if k[0] == "warning"]
                if not new_diags:
                    counts[f"{kind} clean"] += 1
                counts[f"{kind} errors"] += bool(errors)
                counts[f"{kind} warnings"] += bool(warnings) and not errors
                if new_diags and len(shown) < show:
                    shown.append((rel, line + 1, old, kind, sorted(new_diags, key=lambda k: (k[3], k[4]))[:2]))
            path.write_text(text)
    return counts, shown


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("crate", type=Path, help="a crate's folder (its Cargo.toml)")
    ap.add_argument("--files", default="src/**/*.rs", help="files to rename in, relative to the crate (glob)")
    ap.add_argument("--per-file", type=int, default=25)
    ap.add_argument("--show", type=int, default=10, help="list so many renames that left new diagnostics")
    args = ap.parse_args(argv)
    if shutil.which("cargo") is None:
        sys.exit("cargo is not installed")
    files = sorted(str(Path(p).relative_to(args.crate)) for p in glob.glob(str(args.crate / args.files), recursive=True))
    if not files:
        sys.exit("no files")
    started = time.monotonic()
    counts, shown = judge(args.crate, files, args.per_file, args.show)
    print(f"rust: {args.crate} ({len(files)} files), cargo check, {time.monotonic() - started:.0f} s")
    print("clean: the ripple left no diagnostic the crate did not have; errors: a use left or a wrong one renamed;")
    print("warnings only: a new unused variable or assignment (another binding's use renamed); unjudged: the")
    print("declaration renamed alone broke nothing (not compiled here, or no use)")
    print(f"{'kind':14s} {'renames':>8s} {'clean':>6s} {'share':>6s} {'errors':>7s} {'warnings':>9s} {'unjudged':>9s}")
    for kind in ("parameter", "variable", "type parameter"):
        n = counts[f"{kind} renames"]
        print(f"{kind:14s} {n:8d} {counts[f'{kind} clean']:6d} {counts[f'{kind} clean'] / max(n, 1):6.3f} "
              f"{counts[f'{kind} errors']:7d} {counts[f'{kind} warnings']:9d} {counts[f'{kind} unjudged']:9d}")
    for rel, line, old, kind, diags in shown:
        print(f"  {rel}:{line} {kind} {old}: " + "; ".join(f"{level} {msg} (line {ln})" for level, _, _, ln, msg in diags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

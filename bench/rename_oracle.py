#!/usr/bin/env python3
"""Does the structural engine's rename ripple rename what a language server's rename does?

    python bench/rename_oracle.py --language python 'SRC/**/*.py' [--per-file 40] [--show 10]
    python bench/rename_oracle.py --language typescript 'SRC/**/*.ts'

For each local name declared inside a function of each file (a parameter or a variable;
at most ``--per-file`` of them, in file order), the user's edit is simulated: the
declaration renamed to a fresh name. The engine's rename ripple is then followed to its
end, each suggestion taken (its candidates only: no acceptance model, no threshold, so the
ripple's reach is judged, not whether it would show), and every other occurrence of the
old name in the file is compared with the server's answer to ``textDocument/rename`` at
the declaration (basedpyright, typescript-language-server: the real programs, as the
editor starts them). Printed: declarations whose ripple renamed exactly the server's
occurrences, occurrences renamed that the server left (over-reach: another binding, a
member, a keyword argument) and occurrences the server renamed that the ripple left
(under-reach), per kind, then ``--show`` disagreements.

Without the editor's server check (editor/lsp/ripple.py drops a ripple site the server does
not list), this is what a user with no language server gets. Only the file itself is
compared: the engine sees one file, a server's edits in other files are left out.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import re
import sys
import time
from collections import Counter
from itertools import accumulate
from pathlib import Path
from typing import NamedTuple

from lsprotocol import types as lsp
from nxedit.model.lsp.edits import file_edits, uri_of
from nxedit.model.lsp.positions import from_server_range, text_lines, to_server_position
from nxedit.model.lsp.servers import LANGUAGE_IDS, server_table
from nxedit.model.lsp.session import ServerFailed, ServerSession
from nxedit.model.predict.structural import parameters, rename
from nxedit.model.predict.structural.candidates import scan_distance
from nxedit.model.predict.structural.engine import candidates, make_context
from nxedit.model.predict.structural.syntax import Syntax, grammar_for, type_parameter_owner
from nxedit.model.text.edits import Position
from pygls.exceptions import JsonRpcException

HISTORY = 12  # the edits the editor sends with each request (editor/predictions/jobs.py HISTORY_EVENTS)


def declarations(text: str, language: str, path: str) -> list[tuple[int, int, str, str]]:
    """(line, column, name, kind) of each name a function declares: "parameter", "variable" or
    "type parameter" (an item's own `<T>`: a function's, a type's, an impl's, a class's)."""
    grammar = grammar_for(language, path)
    lines = text.splitlines(keepends=True)
    syntax = Syntax(text, [line.rstrip("\r\n") for line in lines], grammar)
    out, seen = [], set()
    stack = [syntax.root]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.children))
        # an item's own `<T>` (a function's, a type's, an impl's, a class's; Go's `[K any]`), seen
        # here, not asked of the engine (older engines took it for a definition of the file)
        owner = type_parameter_owner(node)
        if owner is None and (node.type != "identifier" or not syntax.functions_around(node)):
            continue
        kind = "local" if owner is not None else syntax.declaration_kind(node) or ""
        # (older engines said so for Python's `x=1` and Go's `x int`)
        if kind != "local" and not kind.endswith(("default_parameter", "parameter_declaration")):
            continue
        line, byte = node.start_point
        column = len(lines[line].encode("utf-8")[:byte].decode("utf-8", "replace"))
        name = node.text.decode("utf-8")
        key = ((owner or syntax.functions_around(node)[0]).start_byte, name)
        if key in seen or name in ("self", "cls", "_"):
            continue  # the first declaration of a name in its function: renaming it renames the binding
        seen.add(key)
        kind = "type parameter" if owner is not None else "parameter" if parameters.is_parameter(node) else "variable"
        out.append((line, column, name, kind))
    return sorted(out)


def fresh(name: str, text: str) -> str:
    new = f"{name}_nx" if "_" in name or name.islower() else f"{name}Nx"
    while re.search(rf"\b{re.escape(new)}\b", text):
        new += "x"
    return new


def ripple(text: str, line: int, column: int, old: str, new: str, language: str, path: str) -> str:
    """The text after the user's rename at (line, column) and every rename suggestion after it."""
    lines = text.splitlines(keepends=True)
    edited = lines[line][:column] + new + lines[line][column + len(old):]
    history = [{"start_line": line, "old_text": lines[line], "new_text": edited}]
    lines[line] = edited
    cursor = Position(line, column + len(new))
    for _ in range(len(re.findall(rf"\b{re.escape(old)}\b", text)) + 1):
        ctx = make_context("".join(lines), cursor, history[-HISTORY:], language, path)
        found = [c for c in candidates(ctx) if c.source == rename.SOURCE]
        if not found:
            break
        n = len(lines)
        c = min(found, key=lambda c: (-c.confidence, scan_distance(c.edit.start_line, cursor.line, n)))
        e = c.edit
        old_text = "".join(lines[e.start_line:e.end_line])
        history.append({"start_line": e.start_line, "old_text": old_text, "new_text": e.new_text})
        lines[e.start_line:e.end_line] = e.new_text.splitlines(keepends=True)
        cursor = Position(e.start_line, 0)
    return "".join(lines)


def renamed(before: str, after: str, old: str, new: str) -> set[tuple[int, int]]:
    """(line, index) of each occurrence of ``old`` in ``before`` that is ``new`` in ``after``."""
    word = re.compile(rf"(?<![\w$])(?:{re.escape(old)}|{re.escape(new)})(?![\w$])")
    out = set()
    for i, (a, b) in enumerate(zip(before.splitlines(), after.splitlines())):
        if a == b:
            continue
        for k, m in enumerate(word.findall(b)):
            if m == new:
                out.add((i, k))
    return out


def in_text(syntax: Syntax, lines: list[str], found: set[tuple[int, int]], name: str) -> set[tuple[int, int]]:
    """Those of ``found`` (line, index of the name on the line) that sit in a string or comment."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    out = set()
    for line, k in found:
        spots = list(word.finditer(lines[line]))
        if k < len(spots) and syntax.in_string_or_comment(syntax.node_at(line, spots[k].start(), spots[k].end())):
            out.add((line, k))
    return out


def apply_server_edit(text: str, answer, path: Path, encoding) -> str | None:
    if answer is None:
        return None
    edits = file_edits(answer)[0].get(path.resolve(), [])
    source = text_lines(text)
    offsets = [0, *accumulate(len(x) for x in text.splitlines(keepends=True)), len(text)]
    spans = []
    for e in edits:
        l1, c1, l2, c2 = from_server_range(source, e.range, encoding)
        spans.append((offsets[l1] + c1, offsets[l2] + c2, e.new_text))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


class Judged(NamedTuple):
    server: str
    seconds: float
    counts: Counter  # per kind ("parameter", "variable"): renames, exact, exact in code, server, over, text, under
    shown: list  # (path, line, name, kind, over, under) of renames that renamed code the server did not


async def judge(files: list[Path], language: str, per_file: int = 40, show: int = 10,
                show_under: bool = False) -> Judged:
    table, _ = server_table()
    spec = table.server_for(language)
    if spec is None:
        raise SystemExit(f"no language server for {language} is installed")

    async def refuse(edit) -> bool:
        return False

    common = Path(os.path.commonpath([f.resolve().parent for f in files]))
    session = ServerSession(spec, common, lambda kind, value: None, lambda s, code: None, refuse)
    await session.start()
    counts, shown, started = Counter(), [], time.monotonic()
    try:
        for path in files:
            text = path.read_text(encoding="utf-8")
            if not text.isascii():
                continue  # columns in characters and the server's UTF-16 units agree only there
            uri = uri_of(path.resolve())
            document = lsp.TextDocumentIdentifier(uri)
            lines = text.splitlines()
            syntax = Syntax(text, lines, grammar_for(language, str(path)))  # one parse a file: strings, comments
            session.notify(lsp.TEXT_DOCUMENT_DID_OPEN, lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri, LANGUAGE_IDS.get(language, language), 1, text)))
            for line, column, old, kind in declarations(text, language, str(path))[:per_file]:
                new = fresh(old, text)
                position = to_server_position(text_lines(text), line, column, session.encoding)
                try:
                    answer = await session.request(lsp.TEXT_DOCUMENT_RENAME,
                                                   lsp.RenameParams(document, position, new), timeout=60)
                except ServerFailed as exc:
                    counts["server failed"] += 1
                    print(f"{path}:{line + 1}: {exc}", file=sys.stderr)
                    continue
                except JsonRpcException as exc:  # gopls: a file its build tags leave out of the package
                    counts["server: error answer"] += 1
                    print(f"{path}:{line + 1}: {exc}", file=sys.stderr)
                    continue
                expected = apply_server_edit(text, answer, path, session.encoding)
                if expected is None or expected == text:
                    counts["server: not renameable"] += 1
                    continue
                got = ripple(text, line, column, old, new, language, str(path))
                want, have = renamed(text, expected, old, new), renamed(text, got, old, new)
                text_of = in_text(syntax, lines, want | have, old)
                over, under = have - want - text_of, want - have - text_of  # (a JSDoc `@param` a server renames)
                counts.update({f"{kind} renames": 1, f"{kind} exact": want == have,
                               f"{kind} exact in code": want - text_of == have - text_of,
                               f"{kind} server": len(want), f"{kind} over": len(over),
                               f"{kind} text": len((have - want) & text_of), f"{kind} under": len(under)})
                if (over or (under and show_under)) and len(shown) < show:  # over: the faults that matter
                    shown.append((path, line, old, kind, sorted(over), sorted(under)))
            session.notify(lsp.TEXT_DOCUMENT_DID_CLOSE, lsp.DidCloseTextDocumentParams(document))
    finally:
        await session.stop()
    return Judged(spec.name, time.monotonic() - started, counts, shown)


def report(language: str, files: list[Path], judged: Judged) -> None:
    counts = judged.counts
    print(f"{language}: {len(files)} files, {judged.server}, {judged.seconds:.0f} s")
    print("exact: the ripple renamed the server's occurrences and no other; in code: the same, strings and")
    print("comments left out (the engine renames a distinctive name in a docstring, a server never; a server")
    print("renames a JSDoc `@param`); over: occurrences renamed that the server left (in code / in text);")
    print("under: occurrences in code the server renamed and the ripple left")
    print(f"{'kind':14s} {'renames':>8s} {'exact':>6s} {'share':>6s} {'in code':>8s} {'share':>6s} "
          f"{'server occ.':>11s} {'over code':>9s} {'text':>5s} {'under':>6s}")
    for kind in ("parameter", "variable", "type parameter"):
        n, exact, code = counts[f"{kind} renames"], counts[f"{kind} exact"], counts[f"{kind} exact in code"]
        print(f"{kind:14s} {n:8d} {exact:6d} {exact / max(n, 1):6.3f} {code:8d} {code / max(n, 1):6.3f} "
              f"{counts[f'{kind} server']:11d} {counts[f'{kind} over']:9d} {counts[f'{kind} text']:5d} "
              f"{counts[f'{kind} under']:6d}")
    for key in ("server: not renameable", "server failed", "server: error answer"):
        if counts[key]:
            print(f"{key}: {counts[key]}")
    for path, line, old, kind, over, under in judged.shown:
        print(f"  {path}:{line + 1} {kind} {old}: renamed in code on lines {[(n + 1) for n, _ in over]},"
              f" not renamed on {[(n + 1) for n, _ in under]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="source files (globs ok)")
    ap.add_argument("--language", required=True)
    ap.add_argument("--per-file", type=int, default=40)
    ap.add_argument("--show", type=int, default=10, help="list so many renames that renamed code the server did not")
    ap.add_argument("--show-under", action="store_true", help="and those that left some of the server's")
    args = ap.parse_args(argv)
    files = sorted({Path(p) for g in args.files for p in glob.glob(g, recursive=True)})
    if not files:
        sys.exit("no files")
    report(args.language, files, asyncio.run(judge(files, args.language, args.per_file, args.show, args.show_under)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

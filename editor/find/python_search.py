"""The pure-Python project search as a child process: ``python -m
nxedit.editor.find.python_search [--regex|--literal] [--case|--ignore-case] -- QUERY`` searches
the working directory and prints each matching line as ripgrep's ``--json`` prints it, so
:class:`project_search.ProjectSearch` reads, limits and cancels it like ripgrep. Exit status 2
and one line on stderr for a bad pattern (as ripgrep)."""

from __future__ import annotations

import json
import sys

from .project_search import search_files
from .search import Query, QueryError


def as_rg_json(path: str, line: int, text: str, spans) -> str:
    """One ``{"type": "match", ...}`` line with byte offsets, as ripgrep writes it."""
    subs = [{"start": len(text[:a].encode("utf-8", "replace")), "end": len(text[:b].encode("utf-8", "replace"))}
            for a, b in spans]
    data = {"path": {"text": path}, "lines": {"text": text + "\n"}, "line_number": line + 1, "submatches": subs}
    return json.dumps({"type": "match", "data": data}, ensure_ascii=False, separators=(",", ":"))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" not in args:
        print("usage: python_search [--regex|--literal] [--case|--ignore-case] -- QUERY", file=sys.stderr)
        return 2
    split = args.index("--")
    flags, text = args[:split], " ".join(args[split + 1 :])
    query = Query(text, regex="--regex" in flags, match_case="--case" in flags)
    try:
        pattern = query.compile()
    except QueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if pattern is None:
        return 1
    out = sys.stdout
    found = False
    try:
        for m in search_files(".", pattern):
            out.write(as_rg_json(m.path, m.line, m.text, m.spans) + "\n")
            found = True
        out.flush()
    except BrokenPipeError:  # the editor stopped reading: the search was cancelled
        return 0
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main())

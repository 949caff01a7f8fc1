"""Signature change: a parameter added, removed or reordered -> the next call site.

The definition is read from the edit itself (old and new header text), so this works
in any of the languages below even while the file does not parse. At a call site an
added parameter becomes an argument of the same name when a variable of that name is
in scope there, else a clearly marked placeholder (``<name>``) for the user to type over.

A placeholder is never the text the user will end up with, so its confidence is that of
a jump target (``PLACEHOLDER_CONFIDENCE``, below the engine's default threshold): a client
shows it only when it asks for low-confidence suggestions (``nxedit predict
--min-confidence 0.2``). A parameter that was only renamed (same place, new name) is not a
signature change: the calls pass the same value as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .candidates import Candidate, Site, cluster_all, scan_lines
from .context import Context, RECENT
from .lexer import KEYWORDS, word_regex

SOURCE = "structural:signature"
HEADERS = {
    "python": [r"\bdef\s+(?P<name>\w+)\s*\("],
    "rust": [r"\bfn\s+(?P<name>\w+)\s*(?:<[^>{]*>)?\s*\("],
    "go": [r"\bfunc\s+(?:\([^)]*\)\s*)?(?P<name>\w+)\s*(?:\[[^\]]*\])?\s*\("],
    "typescript": [
        r"\bfunction\s*\*?\s*(?P<name>[\w$]+)\s*(?:<[^>]*>)?\s*\(",
        r"\b(?:const|let|var)\s+(?P<name>[\w$]+)\s*=\s*(?:async\s*)?\(",
        # a method: `name(params) {` or `name(params): Type {` closing the line
        r"^\s*(?:(?:public|private|protected|static|async|readonly|override)\s+)*(?P<name>[\w$]+)\s*"
        r"(?:<[^>]*>)?\s*\((?=[^)]*\)\s*(?::[^{=;]*)?\{\s*$)",
    ],
}
HEADERS["javascript"] = HEADERS["tsx"] = HEADERS["typescript"]
SELF_NAMES = frozenset({"self", "cls", "this"})
PLACEHOLDER = "<{}>"  # not valid code in any of these languages: the user must type over it
CALL_SITE_CONFIDENCE = 0.7
# never the user's exact text: below any default threshold the ranker may choose (0.30 at
# least), so shown only to clients that ask for guesses
PLACEHOLDER_CONFIDENCE = 0.25


@dataclass(frozen=True)
class Param:
    name: str
    optional: bool  # has a default (or is optional / variadic): callers need not pass it
    declared: str = field(default="", compare=False)  # the type written after the name, if any


def split_top_level(text: str, angle: bool) -> list[str]:
    """Split an argument or parameter list on commas outside brackets (and strings)."""
    parts, depth, start, quote = [], 0, 0, ""
    opens, closes = "([{" + ("<" if angle else ""), ")]}" + (">" if angle else "")
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in opens:
            depth += 1
        elif ch in closes and not (ch == ">" and text[i - 1 : i] in ("=", "-")):  # => and -> are arrows
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def matching_paren(text: str, open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, min(len(text), open_at + 4000)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def parse_params(item_texts: list[str], language: str) -> list[Param] | None:
    """Parameter names (without self/this); None when a parameter has no simple name."""
    out = []
    for i, raw in enumerate(item_texts):
        item = raw.strip()
        if item in ("*", "/"):
            continue
        # a default, `*args`, TS `...rest` and `x?:`, Go's variadic `name ...T`
        optional = ("=" in item.replace("==", "") or item.startswith(("*", "...")) or "?:" in item
                    or re.match(r"[\w$]+\s+\.\.\.", item) is not None)
        item = item.lstrip("*&").removeprefix("...").strip()
        if item.startswith("mut "):
            item = item[4:]
        m = re.match(r"[A-Za-z_$][\w$]*", item)
        if not m:
            return None
        name = m.group()
        if i == 0 and name in SELF_NAMES:
            continue
        if name == "mut" or name in KEYWORDS:
            return None
        out.append(Param(name, optional, item[m.end():].split("=")[0].strip(" :?")))
    return out


@dataclass(frozen=True)
class SignatureChange:
    name: str
    old: list[Param]
    new: list[Param]

    @property
    def renamed(self) -> dict[str, str]:
        return renamed_params(self.old, self.new)


def find_change(old: str, new: str, language: str) -> SignatureChange | None:
    """The definition whose parameters an edit changed, from the edit's old and new text."""
    patterns = HEADERS.get(language)
    if not patterns:
        return None
    angle = language != "python"
    found = {}
    for label, text in (("old", old), ("new", new)):
        for pattern in patterns:
            m = re.search(pattern, text, re.M)
            if m and m.group("name") not in KEYWORDS:
                close = matching_paren(text, m.end() - 1)
                if close is None:
                    return None
                params = parse_params(split_top_level(text[m.end() : close], angle), language)
                if params is None:
                    return None
                found[label] = (m.group("name"), params)
                break
    if "old" not in found or "new" not in found or found["old"][0] != found["new"][0]:
        return None
    (name, old_params), (_, new_params) = found["old"], found["new"]
    renamed = renamed_params(old_params, new_params)
    if [renamed.get(p.name, p.name) for p in new_params] == [p.name for p in old_params]:
        return None  # the same parameters, some renamed: the calls stay as they are
    declared = {p.name: p.declared for p in old_params}
    if language != "python" and any(p.name in declared and p.declared != declared[p.name] for p in new_params):
        return None  # a kept parameter of a new type takes another value: the calls cannot be mapped
    return SignatureChange(name, old_params, new_params)


def renamed_params(old: list[Param], new: list[Param]) -> dict[str, str]:
    """New name -> old name of the parameters that kept their place under a new name
    (``err`` -> ``message``): callers pass the same argument there as before."""
    old_names, new_names = {p.name for p in old}, {p.name for p in new}
    return {b.name: a.name for a, b in zip(old, new) if a.name not in new_names and b.name not in old_names}


def predict(ctx: Context) -> list[Candidate]:
    language = ctx.buf.grammar or ctx.buf.language
    for age in range(min(len(ctx.hunks), RECENT)):
        hunk = ctx.recent_hunk(age)
        old, new, _ = hunk.core()
        change = find_change("".join(old), "".join(new), language)
        if change is not None:
            cand = _call_sites(ctx, change, language)
            # an older change of the definition is a little less likely to be what comes next
            return [] if cand is None else [replace(cand, confidence=cand.confidence - 0.05 * age)]
    return []


def _new_arguments(change: SignatureChange, args: list[str], in_scope) -> list[str] | None:
    """The call's arguments for the new signature; None when the call cannot be mapped."""
    old_names = [p.name for p in change.old]
    if len(args) != len(old_names) or any(re.match(r"\s*[\w$]+\s*=[^=]", a) for a in args):
        return None  # defaults used, or keyword arguments: positions are not the parameters
    by_name = dict(zip(old_names, args))
    renamed = change.renamed
    out = []
    for p in change.new:
        if renamed.get(p.name, p.name) in by_name:
            out.append(by_name[renamed.get(p.name, p.name)])
        elif p.optional:
            continue
        else:
            out.append(p.name if in_scope(p.name) else PLACEHOLDER.format(p.name))
    return out


def _call_sites(ctx: Context, change: SignatureChange, language: str):
    buf = ctx.buf
    call = re.compile(rf"(?<![\w$]){re.escape(change.name)}\s*\(")
    headers = [re.compile(p, re.M) for p in HEADERS[language]]
    angle = language != "python"
    placeholders: set[int] = set()  # lines whose call got a placeholder

    def sites():
        busy = -1
        for line in scan_lines(len(buf.lines), ctx.cursor.line):
            if line < busy or ctx.in_history(line):
                continue
            text = buf.line_text(line)
            m = call.search(text)
            if m is None or any(h.search(text) and h.search(text).group("name") == change.name for h in headers):
                continue
            open_at = buf.line_start(line) + m.end() - 1
            close_at = matching_paren(buf.text, open_at)
            if close_at is None or buf.line_of(close_at) != line:
                continue  # multi-line calls keep their own layout: not rewritten here
            args = split_top_level(buf.text[open_at + 1 : close_at], angle)
            column = m.start()
            new_args = _new_arguments(change, args, lambda name, at=(line, column): _in_scope(ctx, name, *at))
            if new_args is None or new_args == args:
                continue
            if any(a.startswith("<") for a in new_args):
                placeholders.add(line)
            start, end = m.end(), close_at - buf.line_start(line)
            busy = line + 1
            yield Site(line, line + 1, buf.lines[line][:start] + ", ".join(new_args) + buf.lines[line][end:])

    edit, complete = cluster_all(sites(), buf.lines)
    if edit is None:
        return None
    # the generator looks past the hunk: only the sites inside it count
    guessed = any(edit.start_line <= line < edit.end_line for line in placeholders)
    confidence = PLACEHOLDER_CONFIDENCE if guessed else CALL_SITE_CONFIDENCE
    rule = ("placeholder" if guessed else "call-site") + ("-complete" if complete else "")
    return Candidate(edit, SOURCE, confidence, rule)


def _in_scope(ctx: Context, name: str, line: int, column: int) -> bool:
    """Whether a variable ``name`` exists where the call is: declared by an enclosing
    function (parameter or local), or at least written somewhere above it in that function."""
    buf = ctx.buf
    syntax = buf.syntax
    first = max(0, line - 50)
    if syntax is not None:
        node = syntax.node_at(line, column, column + 1)
        functions = syntax.functions_around(node)
        if any(syntax.declares(f, {name}) for f in functions):
            return True
        if functions:
            first = functions[-1].start_point[0]
    regex = word_regex(name, buf.dollar)
    return any(regex.search(buf.line_text(i)) for i in range(first, line) if not ctx.in_history(i))

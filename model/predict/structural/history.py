"""The user's recent edits, placed in the current text.

Request history hunks are sequential: each is expressed against the text as it was when
it was applied. The engine needs to know where each hunk's new text sits *now*, so later
hunks shift (or overwrite) earlier ones here.
"""

from __future__ import annotations

from dataclasses import dataclass

from nxedit.model.text.plain import shared_line_ends, split_lines


@dataclass(frozen=True, slots=True)
class Hunk:
    old_text: str
    new_text: str
    start: int  # first line of new_text in the current text
    end: int  # one past its last line
    intact: bool  # True when current[start:end] is still exactly new_text

    @property
    def old_lines(self) -> list[str]:
        return split_lines(self.old_text)

    @property
    def new_lines(self) -> list[str]:
        return split_lines(self.new_text)

    def core(self) -> tuple[list[str], list[str], int]:
        """(old lines, new lines, lines trimmed at the top): the hunk without unchanged edge lines."""
        old, new = self.old_lines, self.new_lines
        top, bottom = shared_line_ends(old, new)
        return old[top : len(old) - bottom], new[top : len(new) - bottom], top


def coalesce(history: list[dict]) -> list[dict]:
    """Consecutive hunks that rewrite the same lines again become one: a word deleted
    (Ctrl+Del) and then its replacement typed is one edit, ``theme`` -> ``name``, not a
    deletion followed by an insertion."""
    out: list[dict] = []
    for h in history:
        prev = out[-1] if out else None
        if prev is not None and h["start_line"] == prev["start_line"] and h["old_text"] == prev["new_text"]:
            out[-1] = {**prev, "new_text": h["new_text"]}
        else:
            out.append(h)
    return [h for h in out if h["old_text"] != h["new_text"]]


def place_hunks(history: list[dict], current_lines: list[str]) -> list[Hunk]:
    """History hunks (oldest first, wire dicts) with their line ranges in the current text."""
    placed: list[list] = []  # [old_text, new_text, start, end, intact]
    for h in coalesce(history):
        s = h["start_line"]
        n_old = len(split_lines(h["old_text"]))
        n_new = len(split_lines(h["new_text"]))
        delta = n_new - n_old
        for p in placed:
            if p[3] <= s:  # entirely above this hunk
                continue
            if p[2] >= s + n_old:  # entirely below: shifts
                p[2] += delta
                p[3] += delta
            else:  # overwritten by a later edit
                p[4] = False
        placed.append([h["old_text"], h["new_text"], s, s + n_new, True])
    hunks = []
    for old, new, start, end, intact in placed:
        if intact:
            intact = 0 <= start <= end <= len(current_lines) and "".join(current_lines[start:end]) == new
        hunks.append(Hunk(old, new, start, end, intact))
    return hunks

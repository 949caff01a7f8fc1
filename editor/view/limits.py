"""How far a buffer may go before the editor turns a feature off for it, to stay fast.

Soft wrap walks a whole line to break it into rows, a highlighter parses the whole file
(and keeps styles per line), the next-edit engines and the edit history read whole lines
around the cursor, and a language server is sent the whole text: on a 10 MB line or a million lines each of them made every key
cost seconds and the memory grow to gigabytes. Past these limits the feature is off for
that buffer alone, and the status line says so (``note``): the text is still shown,
edited, journaled and saved as always. Measured with ``bench/huge_files.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nxedit.model.text.document import Document

WRAP_MAX_LINE = 20_000  # characters of the longest line: more is not soft-wrapped
# past any of these: no highlighting, no next-edit predictions, no edit history
COLOUR_MAX_LINE = 20_000  # characters of the longest line
COLOUR_MAX_CHARS = 16_000_000  # characters in the file
COLOUR_MAX_LINES = 300_000  # lines
RECHECK_INSERT = 1_000  # an edit inserting this much text may have made a line too long


@dataclass(frozen=True)
class Limits:
    """What is off for one buffer, and why (None: nothing is off)."""

    longest_line: int
    no_wrap: str | None = None
    no_colour: str | None = None  # no highlighting, predictions, edit history or language server either

    @property
    def no_predict(self) -> str | None:
        return self.no_colour

    @property
    def note(self) -> str:
        """A few words for the status line ("" when nothing is off)."""
        off = [what for what, why in (("wrap", self.no_wrap), ("colours", self.no_colour),
                                      ("predictions", self.no_predict)) if why]
        if not off:
            return ""
        return f"{self.no_colour or self.no_wrap}: no {', '.join(off[:-1])}{' or ' if off[:-1] else ''}{off[-1]}"


def limits_of(doc: Document) -> Limits:
    """The limits for ``doc`` (reads every line's length once: a few ms per 100,000 lines)."""
    longest = max(map(len, doc.lines), default=0)
    no_wrap = f"a line of {longest:,} characters" if longest > WRAP_MAX_LINE else None
    if longest > COLOUR_MAX_LINE:
        no_colour = f"a line of {longest:,} characters"
    elif len(doc) > COLOUR_MAX_CHARS:
        no_colour = f"{len(doc) / 1e6:.0f} M characters"
    elif doc.line_count > COLOUR_MAX_LINES:
        no_colour = f"{doc.line_count:,} lines"
    else:
        no_colour = None
    return Limits(longest, no_wrap, no_colour)


def may_change(inserted: str) -> bool:
    """Whether an edit that inserted ``inserted`` may move a buffer past a limit."""
    return len(inserted) >= RECHECK_INSERT

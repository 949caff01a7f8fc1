"""Virtual text the view draws on top of the document, in layers (Helix's text annotations).

A layer provider (the ghost diff of a suggestion, find matches, ...) hands the view
:class:`Annotation` values for the lines on screen only. Five kinds, one type:

* ``"inline"``  -- ``text`` shown before column ``col`` of ``line`` (pushes the rest right);
* ``"overlay"`` -- columns ``[col, end)`` of ``line`` drawn in ``style`` (the text stays);
* ``"line"``    -- a virtual row showing ``text``, inserted after ``line`` (before it when
  ``above``); rows below are pushed down, and the row has no line number;
* ``"gutter"``  -- ``text`` (one cell) in the gutter of ``line``: before its number, or
  with ``col=-1`` in the cell between the number and the text (change marks);
* ``"label"``   -- ``text`` at the right end of ``line``'s row; when that line is off
  screen, at the top or bottom edge of the view with its line number. A layer returns its
  labels whatever lines it is asked for (the view decides where they go).

``style`` names a theme UI style ("ghost.insert", "ghost.delete", "ghost.marker", ...).
"""

from __future__ import annotations

from typing import Iterable, Literal, NamedTuple, Protocol

Kind = Literal["inline", "overlay", "line", "gutter", "label"]


class Annotation(NamedTuple):
    kind: Kind
    line: int
    col: int = 0
    end: int = 0
    text: str = ""
    style: str = "ghost.insert"
    above: bool = False


class Layer(Protocol):
    """What the view asks of a layer provider."""

    # bumped whenever the provider's annotations change (part of the view's frame key)
    version: int

    def annotations(self, first_line: int, last_line: int) -> Iterable[Annotation]:
        """The annotations on lines ``[first_line, last_line)``; the view only asks for
        the lines around the visible window."""
        ...


class LineAnnotations(NamedTuple):
    """The annotations of one line, sorted by kind, as the renderer uses them."""

    inline: list[Annotation]
    overlay: list[Annotation]
    above: list[Annotation]
    below: list[Annotation]
    gutter: list[Annotation]


def group_by_line(annotations: Iterable[Annotation]) -> dict[int, LineAnnotations]:
    out: dict[int, LineAnnotations] = {}
    for a in annotations:
        if a.kind == "label":
            continue  # placed by the view once it knows which lines are on screen
        slot = out.get(a.line)
        if slot is None:
            slot = out[a.line] = LineAnnotations([], [], [], [], [])
        if a.kind == "inline":
            slot.inline.append(a)
        elif a.kind == "overlay":
            slot.overlay.append(a)
        elif a.kind == "gutter":
            slot.gutter.append(a)
        else:
            (slot.above if a.above else slot.below).append(a)
    for slot in out.values():
        slot.inline.sort(key=lambda a: a.col)
    return out

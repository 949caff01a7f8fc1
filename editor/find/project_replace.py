"""Replace across files: every change previewed line by line, applied as one undo step per
file, and nothing written to a file that changed on disk since the search.

The search's matches say which lines of which files change; at apply time each file is
checked (unchanged since the search: same size and modification time, and every matched
line still reads as it did) and then edited in a buffer -- the open one, or a new one that
stays open, so Ctrl+Z in it takes the replacement back -- and saved. A file with unsaved
changes in the editor is left alone (the search read the disk, not the buffer). The
replacement of each line is computed by Python's ``re`` on that line, as the preview shows.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, NamedTuple

from nxedit.model.text.changeset import ChangeSet

from nxedit.editor.buffer import Buffer

from .project_search import LineMatch

if TYPE_CHECKING:
    from nxedit.editor.files.fileio import LoadedFile

Edit = tuple[int, int, int, str]  # line, start column, end column, new text


def line_edits(text: str, pattern: re.Pattern[str], replacer: Callable[[re.Match[str]], str]) -> list[tuple[int, int, str]]:
    """The replacements on one line: ``(start, end, new)`` per non-empty match."""
    return [(m.start(), m.end(), replacer(m)) for m in pattern.finditer(text) if m.end() > m.start()]


def replaced_line(text: str, pattern: re.Pattern[str], replacer: Callable[[re.Match[str]], str]) -> str:
    """The line as it reads after the replacement (the preview)."""
    out, last = [], 0
    for start, end, new in line_edits(text, pattern, replacer):
        out += [text[last:start], new]
        last = end
    out.append(text[last:])
    return "".join(out)


def plan_edits(
    line_text: Callable[[int], str | None], matches: list[LineMatch], pattern: re.Pattern[str], replacer
) -> list[Edit] | None:
    """The edits for one file, or None when a matched line no longer reads as the search saw it."""
    edits: list[Edit] = []
    for match in sorted(matches, key=lambda m: m.line):
        text = line_text(match.line)
        if text is None or text[: len(match.text)] != match.text:
            return None
        edits += [(match.line, a, b, new) for a, b, new in line_edits(text, pattern, replacer)]
    return edits


def apply_edits(buffer: Buffer, edits: list[Edit]) -> None:
    """All of a file's replacements as one undo step."""
    doc = buffer.document
    offsets = [(doc.offset(line, a), doc.offset(line, b), new) for line, a, b, new in edits]
    buffer.history.seal()
    buffer.edit(ChangeSet.from_edits(len(doc), offsets), origin="command")
    buffer.history.seal()


class Skipped(NamedTuple):
    path: str
    reason: str


class ProjectReplace:
    """Replacing the matches of one finished search: :meth:`load` on a worker thread,
    then :meth:`apply` on the UI thread."""

    def __init__(self, root: str, matches: list[LineMatch], stamps: dict[str, tuple[int, int]],
                 pattern: re.Pattern[str], replacer) -> None:
        self.root = root
        self.by_file: dict[str, list[LineMatch]] = {}
        for m in matches:
            self.by_file.setdefault(m.path, []).append(m)
        self.stamps = stamps
        self.pattern = pattern
        self.replacer = replacer
        self.loaded: dict[str, "LoadedFile"] = {}
        self.skipped: list[Skipped] = []
        self.replaced = 0
        self.files = 0

    def path_of(self, rel: str):
        from pathlib import Path

        return Path(self.root) / rel

    def unchanged_on_disk(self, rel: str) -> bool:
        try:
            st = os.stat(self.path_of(rel))
        except OSError:
            return False
        return self.stamps.get(rel) == (st.st_mtime_ns, st.st_size)

    def load(self, open_paths: set[str]) -> None:
        """Read the files that no buffer holds (worker thread); a file changed since the
        search is skipped here already."""
        from nxedit.editor.files.fileio import FileError, load_file

        for rel in self.by_file:
            if rel in open_paths:
                continue
            if not self.unchanged_on_disk(rel):
                self.skipped.append(Skipped(rel, "changed on disk"))
                continue
            try:
                self.loaded[rel] = load_file(self.path_of(rel))
            except FileError as exc:
                self.skipped.append(Skipped(rel, str(exc)))

    def apply(self, buffer_of: Callable[[str], Buffer | None], make_buffer: Callable[["LoadedFile"], Buffer],
              adopt: Callable[[Buffer], object], save: Callable[[Buffer], bool]) -> None:
        """Edit and save each file (UI thread). ``buffer_of`` finds an open buffer,
        ``make_buffer`` makes one for a loaded file, ``adopt`` opens it in the editor (so
        its undo stays reachable), ``save`` writes a buffer."""
        from nxedit.editor.files.fileio import disk_state

        skipped = {s.path for s in self.skipped}
        for rel, matches in self.by_file.items():
            if rel in skipped:
                continue
            buffer = buffer_of(rel)
            if buffer is not None:
                reason = "has unsaved changes" if buffer.is_modified else None
                if reason is None and (not buffer.file.exists or disk_state(buffer.path, buffer.file.stamp) != "same"):
                    reason = "changed on disk"
            else:
                loaded = self.loaded.get(rel)
                if loaded is None:
                    continue
                reason = "changed on disk" if disk_state(loaded.path, loaded.stamp) != "same" else None
                buffer = make_buffer(loaded) if reason is None else None
            if reason is not None:
                self.skipped.append(Skipped(rel, reason))
                continue
            doc = buffer.document
            edits = plan_edits(lambda n: doc.line_text(n) if n < doc.line_count else None, matches,
                               self.pattern, self.replacer)
            if edits is None:
                self.skipped.append(Skipped(rel, "changed since the search"))
                continue
            if not edits:
                continue
            if rel in self.loaded:
                adopt(buffer)
            apply_edits(buffer, edits)
            if not save(buffer):
                self.skipped.append(Skipped(rel, "not saved"))
                continue
            self.replaced += len(edits)
            self.files += 1

    def summary(self) -> str:
        text = f"Replaced {self.replaced} match{'es' if self.replaced != 1 else ''} in {self.files} file" + (
            "s" if self.files != 1 else "")
        if self.skipped:
            first = self.skipped[0]
            more = f" and {len(self.skipped) - 1} more" if len(self.skipped) > 1 else ""
            text += f"; skipped {first.path} ({first.reason}){more}"
        return text

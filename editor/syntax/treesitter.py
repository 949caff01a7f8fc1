"""Tree-sitter highlighting: incremental parses off the UI thread, queries on the window only.

Per keystroke, on the UI thread, :meth:`TreeSitterHighlighter.on_changes` shifts the
current tree with ``Tree.edit`` (so old colours stay on the right characters), updates
its chunked copy of the lines and takes a snapshot of it (:class:`LineChunks`: the edited
chunk and a list of a few hundred chunk references), and pokes the parser thread.
Nothing else of the file is touched. ``line_spans`` queries the rows asked for (nodes with
many children are entered child by child, see ``_query``) and keeps the result until the
next change; an edit keeps the rows it did not touch.

The parser thread takes the newest snapshot and a copy of the shifted tree, reparses
incrementally, reading the snapshot through a callback (each chunk encoded once, served
by byte offset), replays the edits that arrived meanwhile onto the new tree, swaps it in
and calls ``on_update``. At most one parse runs; edits during it are coalesced into one
more. py-tree-sitter (0.25) holds the GIL for the whole ``Parser.parse`` call: given bytes,
a 100,000-line reparse would hold it for its full ~30 ms. With a read callback the parser
comes back to Python every 4 KB read, where the UI thread can take the GIL (after the
interpreter's switch interval); what remains is the parser's final step after its last
read (~8-20 ms for a 100,000-line reparse, ~25 ms for a full parse).

Until the first full parse lands (large files), the rows on screen are parsed on their own
on the UI thread (a few hundred lines: about a millisecond), so the first paint is coloured.
"""

from __future__ import annotations

from bisect import bisect_right

from nxedit.model.text.document import Change, Document
from nxedit.model.languages import LanguageSpec, highlights_query, new_parser

from .base import BackgroundHighlighter, Span
from .query import WindowText, query_rules, window_spans

# files up to this many characters get their first parse on the UI thread (a few ms)
SYNC_PARSE_CHARS = 64 * 1024
# before the first full parse lands, rows above the window parsed with it for context
PROVISIONAL_CONTEXT = 100
# When to reparse. Every reparse costs CPU in proportion to the file, however small the
# edit: tree-sitter revisits each top-level node (Python: ~5 ms per 20,000 lines), re-reads
# everything after an edit between top-level statements (60 ms at 20,000 lines), and while
# a bracket is left open re-reads the rest of the file as an error (0.2 s at 20,000 lines,
# 0.8 s at 100,000). So edits are coalesced: the reparse comes once typing pauses, and
# during continuous typing at most every REPARSE_MAX_LAG seconds and no more than
# 1/REPARSE_DUTY of a core (after a 0.2 s parse, 20 s). Until then the shifted old tree
# colours the text: old tokens keep their colours, newly typed ones show plain.
REPARSE_QUIET = 0.15  # seconds without an edit (at least the last parse's CPU time)
REPARSE_MAX_LAG = 0.5
REPARSE_DUTY = 100
# a window request is widened to at least this many rows (the view may ask row by row)
MIN_WINDOW = 32
# nodes with more children than this are queried child by child (see _query)
WIDE_NODE = 64


def _u8len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


Edit = tuple[int, int, int, tuple[int, int], tuple[int, int], tuple[int, int]]


def input_edits(lines: list[str], changes: list[Change]) -> list[Edit] | None:
    """``Tree.edit`` arguments for ``Document.apply``'s changes (last first, each in the
    coordinates just before it), computed from the document's lines after all of them.

    Only the byte column of each start point is not in the change itself: it is the UTF-8
    length of the original line before the change, read from the final lines (where an
    earlier change on the same line moved that text, we account for it). None when a
    change has no start byte (the document did not track bytes).
    """
    out: list[Edit | None] = [None] * len(changes)
    shift = 0  # final row - original row, after the changes handled so far
    prev = None  # the previous (earlier) change: old end row/col/byte col, final end col
    for i in range(len(changes) - 1, -1, -1):  # ascending positions
        c = changes[i]
        if c.start_byte < 0:
            return None
        line = lines[c.start_line + shift]
        if prev is not None and prev[0] == c.start_line:
            old_row, old_col, old_bcol, final_col = prev
            kept = c.start_col - old_col
            bcol = old_bcol + _u8len(line[final_col : final_col + kept])
            fcol = final_col + kept
        else:
            bcol = _u8len(line[: c.start_col])
            fcol = c.start_col
        d, ins = c.deleted, c.inserted
        dn, inn = d.count("\n"), ins.count("\n")
        d_tail = d[d.rfind("\n") + 1 :] if dn else d
        i_tail = ins[ins.rfind("\n") + 1 :] if inn else ins
        old_end = (c.start_line + dn, (0 if dn else bcol) + _u8len(d_tail))
        new_end = (c.start_line + inn, (0 if inn else bcol) + _u8len(i_tail))
        out[i] = (
            c.start_byte,
            c.start_byte + _u8len(d),
            c.start_byte + _u8len(ins),
            (c.start_line, bcol),
            old_end,
            new_end,
        )
        prev = (
            c.start_line + dn,
            (0 if dn else c.start_col) + len(d_tail),
            old_end[1],
            (0 if inn else fcol) + len(i_tail),
        )
        shift += inn - dn
    return out  # type: ignore[return-value]


class SnapshotReader:
    """A tree-sitter read callback over a snapshot of the document (:class:`LineChunks`).

    Each chunk is encoded once (``encoded`` carries them from one snapshot to the next, so
    a reparse only encodes the chunks that changed); a read at a byte offset returns at
    most :attr:`READ` bytes of its chunk (a memoryview, no copy). Short reads bring the
    parser back to Python often, where the UI thread can take the GIL.
    """

    READ = 4096

    def __init__(self, chunks: list[tuple[str, ...]], encoded: dict | None = None) -> None:
        known = {} if encoded is None else encoded
        fresh = {}
        self.blocks: list[memoryview] = []
        self.starts: list[int] = []
        pos = 0
        for chunk in chunks:
            entry = known.get(id(chunk))
            if entry is None or entry[0] is not chunk:
                entry = (chunk, memoryview("".join(chunk).encode("utf-8", "surrogatepass")))
            fresh[id(chunk)] = entry
            self.blocks.append(entry[1])
            self.starts.append(pos)
            pos += len(entry[1])
        self.size = pos
        if encoded is not None:
            encoded.clear()
            encoded.update(fresh)

    def __call__(self, byte: int, _point) -> bytes | memoryview:
        if byte >= self.size:
            return b""
        i = bisect_right(self.starts, byte) - 1
        offset = byte - self.starts[i]
        return self.blocks[i][offset : offset + self.READ]


def _detach_source(tree) -> None:
    # An edited tree forgets its source; py-tree-sitter then skips text predicates, which
    # we check ourselves against the live document (see syntax_query). An empty edit at
    # the end makes a fresh tree behave the same and frees the snapshot it was read from.
    end = tree.root_node.end_byte
    point = tuple(tree.root_node.end_point)
    tree.edit(end, end, end, point, point, point)


class TreeSitterHighlighter(BackgroundHighlighter):
    """Highlights a :class:`Document` with a tree-sitter grammar from the registry."""

    def __init__(self, doc: Document, spec: LanguageSpec) -> None:
        super().__init__(doc, f"nxedit-parse-{spec.name}", REPARSE_QUIET, REPARSE_MAX_LAG, REPARSE_DUTY)
        import tree_sitter

        doc.track_bytes = True
        self.spec = spec
        self.language = spec.display_name
        self.line_comment = spec.line_comment
        self.block_comment = spec.block_comment
        self._rules = query_rules(spec.name)
        self._cursor = tree_sitter.QueryCursor(highlights_query(spec.name))
        self._own_cursor = tree_sitter.QueryCursor(highlights_query(spec.name))  # a node's own patterns
        self._own_cursor.set_max_start_depth(0)
        self._parser = new_parser(spec.name)  # the parser thread's (and the first sync parse)
        self._tree = None  # the newest tree, shifted by every edit since it was parsed
        self._encoded: dict = {}  # chunk -> its UTF-8 (parser thread)
        self._full = False  # next parse without an old tree (edits were missed)
        self._provisional = None  # (tree, first row, last row, version) before the first parse
        self._cache: dict[int, list[Span]] = {}
        self._cache_version = -1

    # -- UI thread ------------------------------------------------------------------

    def on_changes(self, changes: list[Change]) -> None:
        if not changes:
            return
        edits = input_edits(self.doc.lines, changes) if self._started else None
        with self._lock:
            carry = self._cache_version == self.version
            self.version += 1
            version = self.version
            self._seen_version = self.doc.version
            self._provisional = None
            if not self._started:
                return  # nothing parsed yet: the first parse reads the document as it is then
            if carry:
                # Until the reparse lands, rows the edit did not touch keep their spans (their
                # nodes only moved): recompute just the touched rows, not the whole window.
                self._cache = _shift_rows(self._cache, changes)
                self._cache_version = version
            if edits is None:
                self._full = True
            else:
                if self._tree is not None:
                    for edit in edits:
                        self._tree.edit(*edit)
                if self._busy:
                    self._replay.extend(edits)
            self._take_snapshot(changes)
        self._job.poke()

    def _window(self, first: int, last: int) -> list[list[Span]]:
        doc = self.doc
        self._start()
        if doc.version != self._seen_version:
            self._resync()
        with self._lock:
            tree, version = self._tree, self.version
        if self._cache_version != version:
            self._cache, self._cache_version = {}, version
        cache = self._cache
        missing = [row for row in range(first, last) if row not in cache]
        if missing:
            start, stop = missing[0], missing[-1] + 1
            if len(missing) == last - first:  # a fresh window: take some rows beyond it too
                stop = min(doc.line_count, max(stop, start + MIN_WINDOW))
            text = WindowText(doc.lines)
            if tree is not None:
                rows = self._query(tree, text, start, stop, 0)
            else:
                rows = self._provisional_spans(text, start, stop)
            cache.update(zip(range(start, stop), rows))
        self._kick_first_run()
        return [cache[row] for row in range(first, last)]

    def _query(self, tree, text: WindowText, first: int, last: int, row0: int) -> list[list[Span]]:
        start, end = (first - row0, 0), (last - row0, 0)
        cursor, own = self._cursor, self._own_cursor
        cursor.set_point_range(start, end)
        own.set_point_range(start, end)
        matches = []
        nodes = [tree.root_node]
        while nodes:
            node = nodes.pop()
            if node.child_count <= WIDE_NODE:
                matches.extend(cursor.matches(node))
                continue
            # A query cursor steps over every child of a node, even outside its range: on a
            # module of 10,000 statements (or one ERROR node after a bad edit) that is ms.
            # So match the wide node's own patterns, then descend into the children in view.
            matches.extend(own.matches(node))
            walker = node.walk()
            if walker.goto_first_child_for_point(start) is None:
                continue
            while walker.node.start_point < end:
                nodes.append(walker.node)
                if not walker.goto_next_sibling():
                    break
        return window_spans(matches, self._rules, text, first, last, row0)

    def _provisional_spans(self, text: WindowText, first: int, last: int) -> list[list[Span]]:
        """Spans from parsing just the window (with some rows above), until the full tree lands."""
        prov = self._provisional
        if prov is None or prov[3] != self.version or first < prov[1] or last > prov[2]:
            top = max(0, first - PROVISIONAL_CONTEXT)
            while top < first and not _starts_statement(text.line(top)):
                top += 1  # begin at an unindented line: most likely outside any construct
            parser = new_parser(self.spec.name)  # the thread's parser may be busy
            tree = parser.parse(SnapshotReader([tuple(self.doc.lines[top:last])]))
            _detach_source(tree)
            prov = self._provisional = (tree, top, last, self.version)
        return self._query(prov[0], text, first, last, prov[1])

    def _start(self) -> None:
        """First parse: small files now (a few ms), large ones on the parser thread."""
        if self._started:
            return
        super()._start()
        if len(self.doc) <= SYNC_PARSE_CHARS:
            with self._lock:
                snapshot, self._snapshot = self._snapshot, None
            self._kick = False
            tree = self._parser.parse(SnapshotReader(snapshot, self._encoded))
            _detach_source(tree)
            with self._lock:
                self._tree = tree
                self.version += 1

    def _resync(self) -> None:
        # the document changed without on_changes: parse it afresh (the old tree stays shown)
        with self._lock:
            self._take_snapshot()
            self._full = True
            self.version += 1
        self._job.poke(now=True)

    # -- parser thread --------------------------------------------------------------

    def _begin(self):
        old = None if self._full or self._tree is None else self._tree.copy()
        self._full = False
        return old

    def _compute(self, snapshot, old):
        reader = SnapshotReader(snapshot, self._encoded)
        return self._parser.parse(reader) if old is None else self._parser.parse(reader, old)

    def _land(self, tree, replay) -> None:
        for edit in replay:
            tree.edit(*edit)
        if not replay:
            _detach_source(tree)
        self._tree = tree

    def _failed(self) -> None:
        self._full = True  # whatever the old tree was, do not trust it


def _shift_rows(cache: dict[int, list[Span]], changes: list[Change]) -> dict[int, list[Span]]:
    """Cached rows moved through ``changes``; rows a change touched are dropped (in place
    while no row moves)."""
    for c in changes:  # last first, each in the coordinates just before it
        if c.within_line:  # typing within a line: no row moves
            cache.pop(c.start_line, None)
            continue
        last = c.start_line + c.deleted.count("\n")
        delta = c.inserted.count("\n") - (last - c.start_line)
        cache = {
            (row if row < c.start_line else row + delta): spans
            for row, spans in cache.items()
            if row < c.start_line or row > last
        }
    return cache


def _starts_statement(line: str) -> bool:
    return bool(line) and not line[0].isspace()

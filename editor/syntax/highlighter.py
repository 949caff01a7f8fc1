"""Syntax highlighting for the editor view: pick a highlighter for a file.

Every file with a known language is coloured: by a bundled tree-sitter grammar
(:mod:`.syntax_treesitter`) when the registry knows the language, else by a Pygments lexer
chosen from the name, the ``#!`` line or the content (:mod:`.syntax_pygments`), else it
is plain text. All highlighters share one interface (:class:`Highlighter`): cheap calls on
the UI thread, whole-file work on a background thread. Scopes are capture names of the
tree-sitter queries ("keyword", "function.method", ...); Pygments tokens are mapped onto
the same names, and themes colour them (:mod:`.theme`).
"""

from __future__ import annotations

from nxedit.model.text.document import Document
from nxedit.model.languages import spec_for_path

from .base import PLAIN_TEXT, BackgroundJob, Highlighter, PlainHighlighter, Span

__all__ = ["PLAIN_TEXT", "BackgroundJob", "Highlighter", "PlainHighlighter", "Span", "highlighter_for"]


def highlighter_for(path: str | None, doc: Document) -> Highlighter:
    """The highlighter for a document opened from ``path`` (None for an unnamed buffer).

    Cheap: grammars and lexers are looked up, not run; parsing starts at the first
    ``line_spans`` call. A file that only its content identifies is plain text until the
    background guess lands (``language`` then changes and ``on_update`` fires).
    """
    first_line = doc.line_text(0) if doc.line_count else ""
    spec = spec_for_path(path or "", first_line)
    if spec is not None and spec.has_grammar:
        from .treesitter import TreeSitterHighlighter

        return TreeSitterHighlighter(doc, spec)
    from .pygments_highlight import PygmentsHighlighter, content_sample, lexer_for

    sample = content_sample(doc)
    lexer = lexer_for(path, sample)
    if lexer is not None:
        return PygmentsHighlighter(doc, lexer)
    if path and _named_as_text(path):
        return PlainHighlighter()
    return PygmentsHighlighter(doc, guess_sample=sample)


def _named_as_text(path: str) -> bool:
    # ".txt", ".log" and the like say "plain text" already; do not guess from their content
    return path.lower().endswith((".txt", ".text", ".log", ".csv", ".tsv"))

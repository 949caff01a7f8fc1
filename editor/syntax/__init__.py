"""Syntax highlighting: tree-sitter (incremental, off the UI thread) with a Pygments fallback."""

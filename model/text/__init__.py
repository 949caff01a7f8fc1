"""The document core: text as lines, change sets, undo, positions and edits. Pure Python."""

"""The next-edit core: text, edits, events, predictions. Pure Python; never imports Textual."""

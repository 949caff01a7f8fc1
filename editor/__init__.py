"""The Textual application: views, key bindings, file I/O, config."""

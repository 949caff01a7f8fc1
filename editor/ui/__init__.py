"""Screens and widgets around the view: dialogs, palette, help, status line and themes."""

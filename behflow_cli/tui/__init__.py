"""`behflow tui`: the full-screen Textual interface (see docs/tui.md)."""

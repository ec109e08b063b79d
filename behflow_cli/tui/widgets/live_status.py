"""One line under the list: connection state (live / offline) and what is shown."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class LiveStatus(Static):
    online: reactive[bool] = reactive(False)
    detail: reactive[str] = reactive("connecting…")
    summary: reactive[str] = reactive("")
    context: reactive[str] = reactive("")  # the active context's name (docs/filters.md)

    def render(self) -> Text:
        theme = self.app.current_theme
        text = Text()
        if self.online:
            text.append("● live", style=f"bold {theme.success}")
        else:
            text.append("○ offline", style=f"bold {theme.warning}")
            if self.detail:
                text.append(f" ({self.detail})", style="dim")
        if self.context:
            text.append(f"  context: {self.context}", style=f"bold {theme.accent}")
        if self.summary:
            text.append("  " + self.summary)
        return text

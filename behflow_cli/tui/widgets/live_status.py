"""One line under the list: connection state (live / offline) and what is shown."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class LiveStatus(Static):
    online: reactive[bool] = reactive(False)
    detail: reactive[str] = reactive("connecting…")
    summary: reactive[str] = reactive("")

    def render(self) -> Text:
        theme = self.app.current_theme
        text = Text()
        if self.online:
            text.append("● live", style=f"bold {theme.success}")
        else:
            text.append("○ offline", style=f"bold {theme.warning}")
            if self.detail:
                text.append(f" ({self.detail})", style="dim")
        if self.summary:
            text.append("  " + self.summary)
        return text

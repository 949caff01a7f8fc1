"""Command palette providers: commands (from the command table), open buffers, themes.

Each provider asks the app for its items as ``(text, help, callback)`` and matches them
fuzzily with Textual's matcher.
"""

from __future__ import annotations

from typing import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider

Item = tuple[str, str, Callable[[], object]]


class _ItemsProvider(Provider):
    kind = ""

    def items(self) -> Iterable[Item]:
        return self.app.palette_items(self.kind)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for text, help, callback in self.items():
            yield DiscoveryHit(text, callback, help=help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help, callback in self.items():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help)


class CommandsProvider(_ItemsProvider):
    kind = "commands"


class BuffersProvider(_ItemsProvider):
    kind = "buffers"


class ThemesProvider(_ItemsProvider):
    kind = "themes"


PROVIDERS = {"commands": CommandsProvider, "buffers": BuffersProvider, "themes": ThemesProvider}

"""Command palette providers: commands (from the command table), open buffers, themes.

Each provider asks the app for its items as ``(text, help, callback, also)`` and matches
them fuzzily with Textual's matcher, on the text or on ``also`` (a command's name, such as
``file.save``, finds it as well as its title does).
"""

from __future__ import annotations

from typing import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from nxedit.model.text.sanitise import sanitise

Item = tuple[str, str, Callable[[], object], str]


class _ItemsProvider(Provider):
    kind = ""

    def items(self) -> Iterable[Item]:
        # file names reach the terminal here: sanitised, as everywhere (model.text.sanitise)
        for text, help, callback, also in self.app.palette_items(self.kind):  # type: ignore[attr-defined]
            yield sanitise(text), sanitise(help), callback, also

    async def discover(self) -> Hits:
        for text, help, callback, _ in self.items():
            yield DiscoveryHit(text, callback, help=help or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help, callback, also in self.items():
            score = matcher.match(text)
            shown = matcher.highlight(text) if score > 0 else text
            score = max(score, matcher.match(also) if also else 0)
            if score > 0:
                yield Hit(score, shown, callback, text=text, help=help or None)


class CommandsProvider(_ItemsProvider):
    kind = "commands"


class BuffersProvider(_ItemsProvider):
    kind = "buffers"


class ThemesProvider(_ItemsProvider):
    kind = "themes"


PROVIDERS = {"commands": CommandsProvider, "buffers": BuffersProvider, "themes": ThemesProvider}

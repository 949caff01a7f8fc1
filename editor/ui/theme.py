"""Colour themes: TOML files that map UI elements and syntax scopes to Rich styles.

Bundled themes live in the ``nxedit.themes`` package (``dark``, ``light``,
``high-contrast``); user themes in ``config_dir()/themes/*.toml`` override a bundled one of
the same name. A theme file::

    dark = true            # the theme's name is its file name
    inherits = "dark"      # optional: start from another theme and change some entries

    [palette]              # names usable in the styles below
    bg = "#1c1c1c"

    [ui]                   # Rich style strings: "bold #ffffff on bg", "" = plain
    text = "#d0d0d0 on bg"

    [syntax]               # scopes: tree-sitter capture names, dotted
    "function.method" = "#d7d7af"

    [app]                  # optional: colours of the Textual theme (primary, accent, ...)

Syntax styles carry a foreground and attributes only; the view draws them over
``ui("text")`` (or the selection / current-line background). A user theme without
``inherits`` starts from the bundled "dark" or "light" (by its ``dark`` flag), so it
only needs the entries it changes.
"""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rich.color import Color, ColorParseError
from rich.errors import StyleSyntaxError
from rich.style import Style

from nxedit.model.paths import config_dir

DEFAULT_THEME = "dark"

# UI elements every bundled theme defines (the view and the overlay draw with them)
UI_ELEMENTS = (
    "text",
    "gutter",
    "gutter.current",
    "cursor",
    "selection",
    "line.current",
    "status",
    "status.accent",
    "find.match",
    "find.current",
    "ghost.insert",  # dim inline / ghost-row text of a predicted insertion
    "ghost.delete",  # text a prediction deletes: strike-through on a background tint
    "ghost.marker",  # gutter marker of a suggestion away from the cursor
    "ghost.hint",  # the off-screen "Tab ⇥ jump" hint
    "message.error",
    "message.warning",
    "vcs.added",  # gutter signs of lines added, changed or deleted since the last commit
    "vcs.changed",
    "vcs.deleted",
    "diagnostic.error",  # the text a language server reports a problem in (underline)
    "diagnostic.warning",
    "diagnostic.error.sign",  # the gutter sign of a line with a problem
    "diagnostic.warning.sign",
    "diagnostic.info.sign",
    "diagnostic.hint.sign",
)

_TABLES = ("palette", "ui", "syntax", "app")
_TEXTUAL_COLOURS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)  # fmt: skip


class ThemeError(Exception):
    """A theme that cannot be found or read; the message is one line naming the file."""


@dataclass
class Theme:
    """A loaded theme: styles for UI elements and syntax scopes."""

    name: str
    dark: bool
    ui_styles: dict[str, Style]
    syntax_styles: dict[str, Style]
    app: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        self._syntax_cache: dict[str, Style] = {}

    def syntax(self, scope: str) -> Style:
        """The style of a scope, falling back along its dots (``function.method.builtin`` ->
        ``function.method`` -> ``function``); the plain text colour when none is set."""
        style = self._syntax_cache.get(scope)
        if style is None:
            key = self.syntax_key(scope)
            style = self.syntax_styles[key] if key is not None else self.ui("text")
            self._syntax_cache[scope] = style
        return style

    def syntax_key(self, scope: str) -> str | None:
        """The entry of the theme that colours ``scope`` (itself or a dotted parent)."""
        return _fallback(scope, self.syntax_styles)

    def ui(self, name: str) -> Style:
        """The style of a UI element, falling back along its dots, then to ``text``."""
        key = _fallback(name, self.ui_styles)
        return self.ui_styles[key if key is not None else "text"]

    def colours(self) -> dict[str, str]:
        """Hex colours for the Textual theme, derived from the UI styles (``[app]`` overrides)."""
        derived = {
            "foreground": _hex(self.ui("text").color),
            "background": _hex(self.ui("text").bgcolor),
            "primary": _hex(self.ui("status.accent").bgcolor),
            "secondary": _hex(self.ui("ghost.marker").color),
            "accent": _hex(self.ui("find.current").bgcolor),
            "warning": _hex(self.ui("message.warning").color),
            "error": _hex(self.ui("message.error").color),
            "success": _hex(self.syntax("string").color),
            "surface": _hex(self.ui("status").bgcolor),
            "panel": _hex(self.ui("line.current").bgcolor),
        }
        colours = {key: value for key, value in derived.items() if value}
        colours.update(self.app)
        return colours

    def textual_theme(self):
        """A ``textual.theme.Theme`` named ``nxedit-<name>`` with this theme's colours, so
        the app's chrome (status bar, palette, dialogs) matches the buffer view; register
        it with ``App.register_theme`` and set ``App.theme`` to its name."""
        from textual.theme import Theme as TextualTheme

        colours = self.colours()
        return TextualTheme(name=f"nxedit-{self.name}", dark=self.dark, **colours)


def _fallback(name: str, table: dict[str, Style]) -> str | None:
    while name not in table:
        if "." not in name:
            return None
        name = name.rsplit(".", 1)[0]
    return name


def _hex(color: Color | None) -> str | None:
    if color is None or color.is_default:
        return None
    return color.get_truecolor().hex


# -- loading --------------------------------------------------------------------------


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def _bundled() -> dict[str, object]:
    files = importlib.resources.files("nxedit.themes")
    return {f.name[:-5]: f for f in files.iterdir() if f.name.endswith(".toml")}


def theme_names(user_dir: Path | None = None) -> list[str]:
    """Names of the bundled and the user's themes."""
    folder = user_theme_dir() if user_dir is None else user_dir
    names = set(_bundled())
    if folder.is_dir():
        names.update(p.stem for p in folder.glob("*.toml"))
    return sorted(names)


def load_theme(name: str, user_dir: Path | None = None) -> Theme:
    """Load a theme by name: the user's file if there is one, else the bundled one.

    Raises :class:`ThemeError` for an unknown name, unreadable or invalid TOML (the
    message names the file and line), or a style that Rich cannot parse.
    """
    folder = user_theme_dir() if user_dir is None else user_dir
    raw, where = _load_raw(name, folder, ())
    return _build(name, raw, where)


def _find(name: str, folder: Path, skip_user: bool = False):
    if not re.fullmatch(r"[\w][\w.+-]*", name):
        raise ThemeError(f"bad theme name {name!r}")
    user = folder / f"{name}.toml"
    if not skip_user and user.is_file():
        return user, True
    bundled = _bundled().get(name)
    if bundled is None:
        raise ThemeError(f"unknown theme {name!r} (available: {', '.join(theme_names(folder))})")
    return bundled, False


def _read(path) -> dict:
    where = str(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{where}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{where}: cannot read: {exc}") from None


def _load_raw(name: str, folder: Path, visited: tuple[str, ...], skip_user: bool = False) -> tuple[dict, str]:
    """The theme's tables with its ancestors' merged under them."""
    path, is_user = _find(name, folder, skip_user)
    where = str(path)
    if where in visited:
        raise ThemeError(f"{where}: themes inherit from each other in a loop")
    raw = _read(path)
    for table in _TABLES:
        if not isinstance(raw.get(table, {}), dict):
            raise ThemeError(f"{where}: [{table}] must be a table")
    base_name = raw.pop("inherits", None)
    if base_name is None and is_user:
        base_name = "dark" if raw.get("dark", True) else "light"
    if base_name is None:
        return raw, where
    if not isinstance(base_name, str):
        raise ThemeError(f"{where}: inherits must be a theme name")
    # a user theme based on its own name extends the bundled theme of that name
    base, _ = _load_raw(base_name, folder, visited + (where,), skip_user=is_user and base_name == name)
    merged = dict(base)
    merged.update({key: value for key, value in raw.items() if key not in _TABLES})
    for table in _TABLES:
        merged[table] = {**base.get(table, {}), **raw.get(table, {})}
    return merged, where


def _build(name: str, raw: dict, where: str) -> Theme:
    palette = {k: str(v) for k, v in raw.get("palette", {}).items()}

    def parse(table: str, key: str, value) -> Style:
        if not isinstance(value, str):
            raise ThemeError(f"{where}: [{table}] {key}: a style must be a string, not {type(value).__name__}")
        words = [palette.get(word, word) for word in value.split()]
        try:
            return Style.parse(" ".join(words)) if words else Style.null()
        except (StyleSyntaxError, ColorParseError) as exc:
            raise ThemeError(f"{where}: [{table}] {key} = {value!r}: {exc}") from None

    ui = {k: parse("ui", k, v) for k, v in raw.get("ui", {}).items()}
    syntax = {k: parse("syntax", k, v) for k, v in raw.get("syntax", {}).items()}
    if "text" not in ui:
        raise ThemeError(f"{where}: [ui] needs a 'text' style")
    app = {}
    for key, value in raw.get("app", {}).items():
        if key not in _TEXTUAL_COLOURS:
            raise ThemeError(f"{where}: [app] {key}: not a Textual theme colour ({', '.join(_TEXTUAL_COLOURS)})")
        colour = palette.get(str(value), str(value))
        try:
            app[key] = Color.parse(colour).get_truecolor().hex
        except ColorParseError as exc:
            raise ThemeError(f"{where}: [app] {key} = {value!r}: {exc}") from None
    dark = raw.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{where}: dark must be true or false")
    return Theme(name, dark, ui, syntax, app, where)

"""The user's config file: TOML at ``config_dir()/config.toml`` (or ``--config PATH``).

```toml
theme = "dark"          # dark, light, high-contrast, or a theme in config_dir()/themes
tab_width = 4
soft_wrap = false

[keys]                  # command name -> key or list of keys ([] unbinds)
"edit.duplicate_line" = "ctrl+shift+d"
"file.save" = ["ctrl+s", "f2"]
```

Other tables (``[predict]``, ``[model]``, ``[history]``, ...) belong to other parts of
nxedit and are kept as they are in :attr:`Config.sections`. A broken file never stops
the editor: each problem becomes a one-line message naming the file and line, and the
defaults apply for what could not be read.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from nxedit.model.paths import config_dir


class Config:
    """The settings, defaults filled in."""

    def __init__(self, path: Path | None = None) -> None:
        self.theme = "dark"
        self.tab_width = 4
        self.soft_wrap = False
        self.keys: dict[str, tuple[str, ...]] = {}
        self.sections: dict[str, Any] = {}  # tables for other parts of nxedit ([predict], [model], ...)
        self.path = path


def default_path() -> Path:
    return config_dir() / "config.toml"


def _line_of(source: str, key: str) -> int | None:
    """The 1-based line where ``key = ...`` is written, for messages."""
    m = re.search(rf'^[ \t]*"?{re.escape(key)}"?[ \t]*=', source, re.MULTILINE)
    return source.count("\n", 0, m.start()) + 1 if m else None


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """Read the config file (a missing default file is fine); returns the config and
    one-line messages about anything that was wrong in it."""
    explicit = path is not None
    path = path or default_path()
    config = Config(path=path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config, ([f"{path}: config file not found; using defaults"] if explicit else [])
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return config, [f"{path}: cannot read config ({reason}); using defaults"]
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        return config, [f"{path}: {exc}; using defaults"]
    messages: list[str] = []

    def bad(key: str, expected: str, value: Any, default: Any) -> None:
        line = _line_of(source, key.rsplit(".", 1)[-1])
        where = f"{path}, line {line}" if line else str(path)
        messages.append(f"{where}: {key} must be {expected} (got {value!r}); using {default!r}")

    theme = data.pop("theme", config.theme)
    if isinstance(theme, str) and theme.strip():
        config.theme = theme.strip()
    else:
        bad("theme", "a theme name", theme, config.theme)
    tab_width = data.pop("tab_width", config.tab_width)
    if isinstance(tab_width, int) and not isinstance(tab_width, bool) and 1 <= tab_width <= 16:
        config.tab_width = tab_width
    else:
        bad("tab_width", "a whole number from 1 to 16", tab_width, config.tab_width)
    soft_wrap = data.pop("soft_wrap", config.soft_wrap)
    if isinstance(soft_wrap, bool):
        config.soft_wrap = soft_wrap
    else:
        bad("soft_wrap", "true or false", soft_wrap, config.soft_wrap)
    keys = data.pop("keys", {})
    if not isinstance(keys, dict):
        bad("keys", "a table of command = key(s)", keys, {})
        keys = {}
    for name, value in keys.items():
        if isinstance(value, str):
            value = [value] if value else []
        if isinstance(value, list) and all(isinstance(k, str) and k for k in value):
            config.keys[name] = tuple(k.strip().lower() for k in value)
        else:
            bad(f"keys.{name}", "a key or a list of keys", value, "the default")
    for name, value in data.items():
        if isinstance(value, dict) or (name == "language" and isinstance(value, list)):  # [[language]]: lsp
            config.sections[name] = value
        else:
            line = _line_of(source, name)
            where = f"{path}, line {line}" if line else str(path)
            messages.append(f"{where}: unknown setting {name!r} (ignored)")
    return config, messages


def save_setting(path: Path | None, key: str, value: Any) -> None:
    """Write ``key = value`` at the top of the config file and keep the rest as the user
    wrote it: comments, order and layout (tomlkit edits the document, it does not rewrite
    it). Raises OSError, or ValueError for a file that is not valid TOML (left untouched)."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        raise ValueError(f"{path}: {exc}") from None
    doc[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)  # whole or not at all

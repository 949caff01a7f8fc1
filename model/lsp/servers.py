"""Which language server runs for which language: the defaults, the user's config, PATH.

Configured as Helix does it, in ``config.toml``::

    [language-server.pylsp]               # define or override a server
    command = "pylsp"
    args = []
    config = { pylsp = { plugins = { pycodestyle = { enabled = false } } } }
    timeout = 20                          # seconds an answer may take before it counts as hung

    [[language]]                          # which servers a language tries, first found wins
    name = "python"
    language-servers = ["pylsp"]

A server is used when its command is found on PATH (or beside the running Python, where
``pip`` puts the servers it installs). Nothing here starts a process.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

DEFAULT_TIMEOUT = 20.0  # seconds; a first answer from a big project can take a while


@dataclass(frozen=True)
class ServerSpec:
    """How to run one language server."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    # sent as workspace/didChangeConfiguration and answered to workspace/configuration
    settings: Mapping[str, Any] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def executable(self) -> str | None:
        """The command's full path, or None when it is not installed."""
        return find_command(self.command)

    def argv(self) -> list[str]:
        return [self.executable() or self.command, *self.args]


# the servers nxedit knows without configuration
DEFAULT_SERVERS: dict[str, ServerSpec] = {
    s.name: s
    for s in (
        # "standard" checking: basedpyright's own default reports every unknown type as a warning
        ServerSpec("basedpyright", "basedpyright-langserver", ("--stdio",),
                   {"basedpyright": {"analysis": {"typeCheckingMode": "standard"}}}),
        ServerSpec("pyright", "pyright-langserver", ("--stdio",)),
        ServerSpec("pylsp", "pylsp"),
        ServerSpec("rust-analyzer", "rust-analyzer"),
        ServerSpec("gopls", "gopls"),
        # its tsserver would fetch @types packages with npm for JavaScript projects (automatic
        # type acquisition): nothing downloads at run time
        ServerSpec("typescript-language-server", "typescript-language-server", ("--stdio",),
                   {"disableAutomaticTypingAcquisition": True}),
        ServerSpec("clangd", "clangd"),
    )
}

# language (the registry's name) -> servers to try, in order
DEFAULT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "python": ("basedpyright", "pyright", "pylsp"),
    "rust": ("rust-analyzer",),
    "go": ("gopls",),
    "typescript": ("typescript-language-server",),
    "tsx": ("typescript-language-server",),
    "javascript": ("typescript-language-server",),
    "c": ("clangd",),
    "cpp": ("clangd",),
}

# the LSP languageId of our language names where they differ
LANGUAGE_IDS = {"tsx": "typescriptreact", "bash": "shellscript"}


def find_command(command: str) -> str | None:
    """``command`` on PATH, or in the folder of the running Python (a venv's bin/ need not be
    on PATH when nxedit is started by its full path)."""
    here = os.path.dirname(sys.executable)
    return shutil.which(command) or shutil.which(command, path=here)


class ServerTable:
    """The servers and the languages' choices, defaults with the user's config applied."""

    def __init__(self, servers: dict[str, ServerSpec], languages: dict[str, tuple[str, ...]]) -> None:
        self.servers = servers
        self.languages = languages

    def candidates(self, language: str | None) -> list[ServerSpec]:
        return [self.servers[n] for n in self.languages.get(language or "", ()) if n in self.servers]

    def server_for(self, language: str | None) -> ServerSpec | None:
        """The first of the language's servers that is installed."""
        return next((s for s in self.candidates(language) if s.executable()), None)


def server_table(sections: Mapping[str, Any] | None = None) -> tuple[ServerTable, list[str]]:
    """The table from the config's ``[language-server.*]`` and ``[[language]]`` entries;
    returns it and one-line messages about entries that could not be used."""
    sections = sections or {}
    servers = dict(DEFAULT_SERVERS)
    languages = dict(DEFAULT_LANGUAGES)
    messages: list[str] = []
    defined = sections.get("language-server", {})
    if not isinstance(defined, dict):
        messages.append("[language-server] must be a table of servers; ignored")
        defined = {}
    for name, entry in defined.items():
        spec, problem = _server_from(name, entry, servers.get(name))
        if problem:
            messages.append(f"[language-server.{name}]: {problem}; ignored")
        else:
            servers[name] = spec
    chosen = sections.get("language", [])
    if not isinstance(chosen, list):
        chosen = [chosen]
    for entry in chosen:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            messages.append("[[language]] entries need a name; one ignored")
            continue
        names = entry.get("language-servers")
        if names is None:
            continue
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            messages.append(f"[[language]] {entry['name']}: language-servers must be a list of names; ignored")
            continue
        unknown = [n for n in names if n not in servers]
        if unknown:
            messages.append(f"[[language]] {entry['name']}: unknown server(s) {', '.join(unknown)} "
                            "(define them under [language-server.NAME])")
        languages[entry["name"]] = tuple(n for n in names if n in servers)
    return ServerTable(servers, languages), messages


def _server_from(name: str, entry: Any, base: ServerSpec | None) -> tuple[ServerSpec | None, str]:
    if not isinstance(entry, dict):
        return None, "must be a table"
    command = entry.get("command", base.command if base else None)
    if not isinstance(command, str) or not command.strip():
        return None, "needs a command"
    args = entry.get("args", list(base.args) if base else [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return None, "args must be a list of strings"
    settings = entry.get("config", base.settings if base else {})
    if not isinstance(settings, dict):
        return None, "config must be a table"
    timeout = entry.get("timeout", base.timeout if base else DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        return None, "timeout must be seconds (0 to 600)"
    spec = ServerSpec(name, command, tuple(args), settings, float(timeout))
    return (replace(base, **{k: getattr(spec, k) for k in ("command", "args", "settings", "timeout")})
            if base else spec), ""


def doctor_lines(table: ServerTable, problem: Callable[[ServerSpec], str | None] = lambda spec: None,
                 ) -> list[tuple[bool, str]]:
    """For ``nxedit doctor``: per language, the server that will run or what is missing.
    ``problem`` says why a found server will not run (the doctor's probe), or None."""
    lines, problems = [], {}
    for language, names in table.languages.items():
        if not names:
            continue
        spec = table.server_for(language)
        if spec is not None:
            if spec.name not in problems:
                problems[spec.name] = problem(spec)
            why = problems[spec.name]
            lines.append((why is None, f"{language}: {spec.name} ({spec.executable()})" + (f" does not run: {why}" if why else "")))
        else:
            tried = ", ".join(table.servers[n].command for n in names if n in table.servers)
            lines.append((False, f"{language}: no language server found (looked for {tried} on PATH)"))
    return lines

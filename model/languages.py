"""Languages nxedit knows: file names, comment tokens and tree-sitter grammars.

One registry for the editor (highlighting, comment toggle) and the predictors (tokens,
scopes). Grammars come from the individual ``tree-sitter-<lang>`` packages, which are
small and work offline; each is imported only when a file of that language is opened.
Loaded :class:`tree_sitter.Language` objects and compiled queries are cached per process:
making a second ``Language`` from the same pointer is wasteful, and compiling a highlight
query costs milliseconds.
"""

from __future__ import annotations

import importlib
import importlib.resources
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath


@dataclass(frozen=True)
class LanguageSpec:
    name: str  # the wire-format name: "python", "rust", "typescript", ...
    extensions: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    shebangs: tuple[str, ...] = ()  # interpreter names in a "#!" line
    module: str | None = None  # tree_sitter_<x> package
    loader: str = "language"  # function in the module returning the language pointer
    # highlight queries: the module's HIGHLIGHTS_QUERY, then queries/<file> of other modules
    # (module, "attr:NAME" | "file:queries/x.scm") or ("", "text:<query>") for our own patterns
    highlights: tuple[tuple[str, str], ...] = field(default=())
    tags: tuple[tuple[str, str], ...] = field(default=())
    line_comment: str | None = None
    block_comment: tuple[str, str] | None = None
    title: str = ""  # display name ("Python", "C++"); the name capitalised when empty

    @property
    def display_name(self) -> str:
        return self.title or self.name.capitalize()

    @property
    def has_grammar(self) -> bool:
        return self.module is not None


def _q(module: str, kind: str) -> tuple[str, str]:
    return (module, kind)


LANGUAGES: tuple[LanguageSpec, ...] = (
    LanguageSpec(
        "python", (".py", ".pyi", ".pyw"), ("SConstruct",), ("python", "python3"), "tree_sitter_python",
        highlights=(_q("tree_sitter_python", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_python", "attr:TAGS_QUERY"),), line_comment="#",
    ),
    LanguageSpec(
        "rust", (".rs",), (), (), "tree_sitter_rust",
        highlights=(_q("tree_sitter_rust", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_rust", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
    ),
    LanguageSpec(
        "javascript", (".js", ".mjs", ".cjs", ".jsx"), (), ("node",), "tree_sitter_javascript",
        highlights=(
            _q("tree_sitter_javascript", "attr:HIGHLIGHTS_QUERY"),
            _q("tree_sitter_javascript", "file:queries/highlights-jsx.scm"),
            _q("tree_sitter_javascript", "file:queries/highlights-params.scm"),
        ),
        tags=(_q("tree_sitter_javascript", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
        title="JavaScript",
    ),
    LanguageSpec(
        "typescript", (".ts", ".mts", ".cts"), (), ("deno", "ts-node"), "tree_sitter_typescript", "language_typescript",
        highlights=(
            _q("tree_sitter_javascript", "attr:HIGHLIGHTS_QUERY"),
            _q("tree_sitter_typescript", "file:queries/highlights.scm"),
        ),
        tags=(_q("tree_sitter_typescript", "file:queries/tags.scm"),), line_comment="//", block_comment=("/*", "*/"),
        title="TypeScript",
    ),
    LanguageSpec(
        "tsx", (".tsx",), (), (), "tree_sitter_typescript", "language_tsx",
        highlights=(
            _q("tree_sitter_javascript", "attr:HIGHLIGHTS_QUERY"),
            _q("tree_sitter_javascript", "file:queries/highlights-jsx.scm"),
            _q("tree_sitter_typescript", "file:queries/highlights.scm"),
        ),
        tags=(_q("tree_sitter_typescript", "file:queries/tags.scm"),), line_comment="//", block_comment=("/*", "*/"),
        title="TSX",
    ),
    LanguageSpec(
        "go", (".go",), (), (), "tree_sitter_go",
        highlights=(_q("tree_sitter_go", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_go", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
    ),
    LanguageSpec(
        "c", (".c", ".h"), (), (), "tree_sitter_c",
        highlights=(_q("tree_sitter_c", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_c", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
    ),
    LanguageSpec(
        "cpp", (".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp"), (), (), "tree_sitter_cpp",
        highlights=(_q("tree_sitter_c", "attr:HIGHLIGHTS_QUERY"), _q("tree_sitter_cpp", "attr:HIGHLIGHTS_QUERY")),
        tags=(_q("tree_sitter_cpp", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
        title="C++",
    ),
    LanguageSpec(
        "java", (".java",), (), (), "tree_sitter_java",
        highlights=(_q("tree_sitter_java", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_java", "attr:TAGS_QUERY"),), line_comment="//", block_comment=("/*", "*/"),
    ),
    LanguageSpec(
        "ruby", (".rb", ".rake", ".gemspec"), ("Rakefile", "Gemfile"), ("ruby",), "tree_sitter_ruby",
        highlights=(_q("tree_sitter_ruby", "attr:HIGHLIGHTS_QUERY"),),
        tags=(_q("tree_sitter_ruby", "attr:TAGS_QUERY"),), line_comment="#",
    ),
    LanguageSpec(
        "bash", (".sh", ".bash", ".zsh"), (".bashrc", ".bash_profile", ".zshrc", ".profile"), ("sh", "bash", "zsh"),
        "tree_sitter_bash", highlights=(_q("tree_sitter_bash", "attr:HIGHLIGHTS_QUERY"),), line_comment="#",
    ),
    LanguageSpec(
        "json", (".json", ".jsonc", ".geojson"), (".prettierrc",), (), "tree_sitter_json",
        highlights=(_q("tree_sitter_json", "attr:HIGHLIGHTS_QUERY"),), line_comment="//", title="JSON",
    ),
    LanguageSpec(
        "toml", (".toml",), ("Cargo.lock", "poetry.lock"), (), "tree_sitter_toml",
        # upstream captures the whole pair, not its key, as @property (0.7.0)
        highlights=(_q("tree_sitter_toml", "attr:HIGHLIGHTS_QUERY"), _q("", "text:(pair (bare_key) @property)")),
        line_comment="#", title="TOML",
    ),
    LanguageSpec(
        "yaml", (".yaml", ".yml"), (), (), "tree_sitter_yaml",
        highlights=(_q("tree_sitter_yaml", "attr:HIGHLIGHTS_QUERY"),), line_comment="#", title="YAML",
    ),
    LanguageSpec(
        "html", (".html", ".htm", ".xhtml"), (), (), "tree_sitter_html",
        highlights=(_q("tree_sitter_html", "attr:HIGHLIGHTS_QUERY"),), block_comment=("<!--", "-->"),
        title="HTML",
    ),
    LanguageSpec(
        "css", (".css",), (), (), "tree_sitter_css",
        highlights=(_q("tree_sitter_css", "attr:HIGHLIGHTS_QUERY"),), block_comment=("/*", "*/"), title="CSS",
    ),
    LanguageSpec(
        "markdown", (".md", ".markdown", ".mdx"), (), (), "tree_sitter_markdown",
        # the package's HIGHLIGHTS_QUERY points at a path it does not ship (0.5.4)
        highlights=(_q("tree_sitter_markdown", "file:queries/markdown/highlights.scm"),),
        block_comment=("<!--", "-->"),
    ),
)

BY_NAME: dict[str, LanguageSpec] = {spec.name: spec for spec in LANGUAGES}
_BY_EXT = {ext: spec for spec in LANGUAGES for ext in spec.extensions}
_BY_FILENAME = {fn: spec for spec in LANGUAGES for fn in spec.filenames}
_BY_SHEBANG = {name: spec for spec in LANGUAGES for name in spec.shebangs}


def spec_for_path(path: str | PurePath, first_line: str = "") -> LanguageSpec | None:
    """The language of a file, from its name, then from a ``#!`` line; None if unknown."""
    p = PurePath(path)
    spec = _BY_FILENAME.get(p.name) or _BY_EXT.get(p.suffix.lower())
    if spec is None and first_line.startswith("#!"):
        words = first_line[2:].strip().split()
        if words:
            prog = words[0].rsplit("/", 1)[-1]
            if prog == "env" and len(words) > 1:
                prog = words[-1] if words[1].startswith("-") else words[1]
            spec = _BY_SHEBANG.get(prog.rstrip("0123456789.")) or _BY_SHEBANG.get(prog)
    return spec


_lock = threading.Lock()


@lru_cache(maxsize=None)
def ts_language(name: str):
    """The :class:`tree_sitter.Language` for a language name (imported on first use)."""
    import tree_sitter

    spec = BY_NAME[name]
    if spec.module is None:
        raise LookupError(f"no tree-sitter grammar for {name}")
    with _lock:
        module = importlib.import_module(spec.module)
        return tree_sitter.Language(getattr(module, spec.loader)())


def _query_source(parts: tuple[tuple[str, str], ...]) -> str:
    chunks = []
    for module_name, where in parts:
        kind, _, name = where.partition(":")
        if kind == "text":
            chunks.append(name)
        elif kind == "attr":
            module = importlib.import_module(module_name)
            chunks.append(getattr(module, name))
        else:
            chunks.append(importlib.resources.files(module_name).joinpath(name).read_text(encoding="utf-8"))
    return "\n".join(chunks)


@lru_cache(maxsize=None)
def highlights_source(name: str) -> str:
    """The text of a language's highlight query (combined with its base language's).

    Pattern byte offsets of :func:`highlights_query` index into its UTF-8 encoding.
    """
    return _query_source(BY_NAME[name].highlights)


@lru_cache(maxsize=None)
def highlights_query(name: str):
    """The compiled highlight query of a language (combined with its base language's)."""
    import tree_sitter

    return tree_sitter.Query(ts_language(name), highlights_source(name))


@lru_cache(maxsize=None)
def tags_query(name: str):
    """The compiled tags query (definitions and references), or None if the grammar has none."""
    import tree_sitter

    spec = BY_NAME[name]
    if not spec.tags:
        return None
    return tree_sitter.Query(ts_language(name), _query_source(spec.tags))


def new_parser(name: str):
    import tree_sitter

    return tree_sitter.Parser(ts_language(name))

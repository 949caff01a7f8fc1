"""Themes: loading, fallbacks, errors, user overrides, coverage of every scope, and
readability in truecolor and after Rich's downgrade to 256 colours."""

import pytest
from rich.color import ColorSystem
from rich.style import Style

from nxedit.editor.ui import theme as T
from nxedit.editor.syntax.pygments_highlight import _scopes
from nxedit.model import languages as L

BUNDLED = ("dark", "light", "high-contrast")


def all_capture_names() -> set[str]:
    names = set()
    for spec in L.LANGUAGES:
        query = L.highlights_query(spec.name)
        names.update(query.capture_name(i) for i in range(query.capture_count))
    return {n for n in names if not n.startswith("_")}


@pytest.fixture
def user_dir(tmp_path):
    folder = tmp_path / "themes"
    folder.mkdir()
    return folder


# -- loading --------------------------------------------------------------------------


def test_bundled_themes_are_listed_and_load(user_dir):
    assert set(BUNDLED) <= set(T.theme_names(user_dir))
    for name in BUNDLED:
        theme = T.load_theme(name, user_dir)
        assert theme.name == name
        assert theme.dark == (name != "light")


def test_default_user_dir_is_the_config_dir(nxedit_home):
    folder = nxedit_home / "config" / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('[ui]\ntext = "#ffffff on #000000"\n')
    assert "mine" in T.theme_names()
    assert T.load_theme("mine").ui("text").bgcolor.get_truecolor().hex == "#000000"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_theme_defines_every_ui_element(name, user_dir):
    theme = T.load_theme(name, user_dir)
    missing = [e for e in T.UI_ELEMENTS if e not in theme.ui_styles]
    assert not missing


def test_ghost_delete_has_strike_and_background(user_dir):
    for name in BUNDLED:
        style = T.load_theme(name, user_dir).ui("ghost.delete")
        assert style.strike and style.bgcolor is not None


def test_syntax_falls_back_along_dots(user_dir):
    theme = T.load_theme("dark", user_dir)
    assert theme.syntax("function.method.builtin") == theme.syntax("function")  # neither is set
    assert theme.syntax_key("function.method.builtin") == "function"
    assert theme.syntax("string.special.regex") != theme.syntax("string")
    assert theme.syntax("no.such.scope") == theme.ui("text")


def test_ui_falls_back_along_dots_then_to_text(user_dir):
    theme = T.load_theme("dark", user_dir)
    assert theme.ui("gutter.something") == theme.ui("gutter")
    assert theme.ui("nothing") == theme.ui("text")


def test_unknown_theme_is_a_theme_error(user_dir):
    with pytest.raises(T.ThemeError, match="unknown theme 'nope'.*dark"):
        T.load_theme("nope", user_dir)
    with pytest.raises(T.ThemeError):
        T.load_theme("../dark", user_dir)


def test_bad_toml_names_file_and_line(user_dir):
    (user_dir / "broken.toml").write_text('dark = true\n[ui]\ntext = "#fff on #000"\ncursor = \n')
    with pytest.raises(T.ThemeError) as err:
        T.load_theme("broken", user_dir)
    message = str(err.value)
    assert "broken.toml" in message and "line 4" in message and "\n" not in message


def test_bad_style_names_the_entry(user_dir):
    (user_dir / "bad.toml").write_text('[syntax]\nkeyword = "bold #12345g"\n')
    with pytest.raises(T.ThemeError, match=r"bad\.toml.*keyword"):
        T.load_theme("bad", user_dir)


def test_inheritance_loop_is_an_error(user_dir):
    (user_dir / "a.toml").write_text('inherits = "b"\n')
    (user_dir / "b.toml").write_text('inherits = "a"\n')
    with pytest.raises(T.ThemeError, match="loop"):
        T.load_theme("a", user_dir)


def test_user_theme_overrides_bundled_one_and_keeps_the_rest(user_dir):
    (user_dir / "dark.toml").write_text('dark = true\n[syntax]\nkeyword = "bold #ff0000"\n')
    theme = T.load_theme("dark", user_dir)
    assert theme.syntax("keyword") == Style.parse("bold #ff0000")
    bundled = T.load_theme("dark", user_dir.parent / "elsewhere")
    assert theme.syntax("string") == bundled.syntax("string")  # the rest comes from the bundled dark
    assert theme.ui("cursor") == bundled.ui("cursor")


def test_user_theme_with_palette_and_inherits(user_dir):
    (user_dir / "paper.toml").write_text(
        'inherits = "light"\n[palette]\nink = "#123456"\n[ui]\ntext = "ink on #fafafa"\n[app]\nprimary = "ink"\n'
    )
    theme = T.load_theme("paper", user_dir)
    assert theme.name == "paper" and not theme.dark
    assert theme.ui("text") == Style.parse("#123456 on #fafafa")
    assert theme.colours()["primary"] == "#123456"
    assert "paper" in T.theme_names(user_dir)


def test_textual_theme_matches(user_dir):
    theme = T.load_theme("light", user_dir)
    textual_theme = theme.textual_theme()
    assert textual_theme.name == "nxedit-light"
    assert textual_theme.dark is False
    assert textual_theme.background.lower() == "#ffffff"
    assert textual_theme.foreground.lower() == theme.ui("text").color.get_truecolor().hex
    for name in BUNDLED:  # Textual can build its CSS variables from each
        variables = T.load_theme(name, user_dir).textual_theme().to_color_system().generate()
        assert variables["primary"] and variables["background"]


# -- coverage of scopes ---------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_every_capture_name_is_coloured_or_deliberately_plain(name, user_dir):
    theme = T.load_theme(name, user_dir)
    text = theme.ui("text")
    undefined = sorted(c for c in all_capture_names() if theme.syntax_key(c) is None)
    assert not undefined, f"{name}: no entry for {undefined}"
    plain = {c for c in all_capture_names() if theme.syntax(c) in (Style.null(), text)}
    # plain on purpose: explicitly set to "" (or, in high contrast, to the text colour)
    for capture in plain:
        key = theme.syntax_key(capture)
        assert theme.syntax_styles[key] == Style.null() or theme.syntax(capture).color == text.color
    assert len(plain) <= 6


@pytest.mark.parametrize("name", BUNDLED)
def test_every_pygments_scope_is_coloured(name, user_dir):
    theme = T.load_theme(name, user_dir)
    scopes = {s for s in _scopes().values() if s}
    assert not [s for s in scopes if theme.syntax_key(s) is None]


# -- readability, truecolor and 256 colours -------------------------------------------


def luminance(color) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def distance(a, b) -> float:
    """How different two colours look ("redmean" weighted RGB distance, 0..~765)."""
    (r1, g1, b1), (r2, g2, b2) = a.get_truecolor(), b.get_truecolor()
    mean = (r1 + r2) / 2
    dr, dg, db = r1 - r2, g1 - g2, b1 - b2
    return ((2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db) ** 0.5


def colours(theme, downgrade: bool):
    """fg/bg of the styles the view layers, resolved over the text style, maybe downgraded."""

    def fix(color):
        return color.downgrade(ColorSystem.EIGHT_BIT) if downgrade else color

    text = theme.ui("text")

    def fg(style):
        return fix((style.color if style.color and not style.color.is_default else text.color))

    def bg(style):
        return fix((style.bgcolor if style.bgcolor and not style.bgcolor.is_default else text.bgcolor))

    return fg, bg


@pytest.mark.parametrize("downgrade", [False, True], ids=["truecolor", "256"])
@pytest.mark.parametrize("name", BUNDLED)
def test_key_pairs_stay_distinct_and_readable(name, downgrade, user_dir):
    theme = T.load_theme(name, user_dir)
    fg, bg = colours(theme, downgrade)
    ui = theme.ui
    text_min = 7.0 if name == "high-contrast" else 4.5
    background = bg(ui("text"))

    assert contrast(fg(ui("text")), background) >= text_min
    # ghost insertion: dimmer than the text, still readable
    assert distance(fg(ui("ghost.insert")), fg(ui("text"))) >= 60
    assert contrast(fg(ui("ghost.insert")), background) >= (7.0 if name == "high-contrast" else 3.0)
    # ghost deletion: its own background tint, text readable on it
    assert distance(bg(ui("ghost.delete")), background) >= 60
    assert contrast(fg(ui("ghost.delete")), bg(ui("ghost.delete"))) >= text_min
    # selection, find matches, current line: visible backgrounds, told apart, text readable
    marks = ("selection", "find.match", "find.current", "ghost.delete")
    for element in marks + ("line.current",):
        assert distance(bg(ui(element)), background) >= (20 if element == "line.current" else 60), element
        assert contrast(fg(ui(element)), bg(ui(element))) >= text_min, element
    for i, a in enumerate(marks):
        for b in marks[i + 1 :]:
            assert distance(bg(ui(a)), bg(ui(b))) >= 60, (a, b)
    # cursor: a block that stands out from the background, its character readable
    assert contrast(bg(ui("cursor")), background) >= 3.0
    assert contrast(fg(ui("cursor")), bg(ui("cursor"))) >= text_min
    # gutter, status bar, hints, messages
    assert contrast(fg(ui("gutter")), bg(ui("gutter"))) >= 3.0
    for element in ("status", "status.accent", "ghost.hint", "gutter.current"):
        assert contrast(fg(ui(element)), bg(ui(element))) >= text_min, element
    for element in ("ghost.marker", "message.error", "message.warning"):
        assert contrast(fg(ui(element)), background) >= text_min, element


@pytest.mark.parametrize("downgrade", [False, True], ids=["truecolor", "256"])
@pytest.mark.parametrize("name", BUNDLED)
def test_syntax_colours_are_readable_and_varied(name, downgrade, user_dir):
    theme = T.load_theme(name, user_dir)
    fg, bg = colours(theme, downgrade)
    background = bg(theme.ui("text"))
    minimum = 7.0 if name == "high-contrast" else 4.5
    low = []
    for scope in sorted(all_capture_names()):
        need = minimum if name == "high-contrast" or not scope.startswith("comment") else 4.0
        if contrast(fg(theme.syntax(scope)), background) < need:
            low.append(scope)
    assert not low, f"{name}: too little contrast for {low}"
    main = ("keyword", "string", "comment", "function", "type", "number", "constant")
    assert len({fg(theme.syntax(s)).get_truecolor() for s in main}) >= 6  # the main scopes look different

"""Test helpers: buffers written with markers (``|`` the cursor, ``^`` the selection anchor),
the app's screen, and waiting for the app."""

from nxedit.editor.buffer import Buffer, Selection


def make(marked: str, language: str | None = None, tab_width: int = 4) -> Buffer:
    head = marked.index("|")
    anchor = marked.find("^")
    text = marked.replace("|", "").replace("^", "")
    if anchor == -1:
        anchor = head
    elif anchor < head:
        head -= 1
    else:
        anchor -= 1
    buf = Buffer(text, tab_width=tab_width)
    buf.language_id = language
    buf.select(Selection(anchor, head))
    return buf


def show(buf: Buffer) -> str:
    """The buffer's text with the cursor (and anchor) markers put back."""
    text = buf.text
    sel = buf.selection
    marks = sorted([(sel.head, "|")] + ([] if sel.is_empty else [(sel.anchor, "^")]), reverse=True)
    for at, mark in marks:
        text = text[:at] + mark + text[at:]
    return text


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (workers, timers); fail after ``timeout``."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


def screen_text(app) -> list[str]:
    """The editor view's rows as the user reads them (gutter included)."""
    return [app.view.render_line(y).text for y in range(app.view.page_height)]


async def ready(pilot) -> None:
    """Wait until the edit history and the predictors have started (right after the first
    paint), so that every key the test presses is recorded."""
    await wait_for(pilot, lambda: pilot.app.predictions is not None)


async def suggestion(pilot, timeout: float = 5.0):
    """Wait until a next-edit suggestion is on screen; the shown option."""
    app = pilot.app
    await wait_for(pilot, lambda: app.predictions.visible(), timeout)
    return app.predictions.shown


async def choose_in_palette(pilot, text: str) -> None:
    """Type into the open palette, wait until its list shows the best hit, press Enter."""
    from textual.command import CommandList

    await pilot.pause()
    await pilot.press(*text)
    for _ in range(100):
        await pilot.pause(0.05)
        options = pilot.app.screen.query_one(CommandList)
        if options.option_count and text.split()[0].lower() in str(options.get_option_at_index(0).prompt).lower():
            break
    await pilot.press("enter")
    await pilot.pause()


async def settle(pilot) -> None:
    """Wait for the background parse and the deferred width measurement (0.3 s after the
    first paint), so what is on screen is final."""
    app = pilot.app
    await pilot.pause()
    highlighter = app.highlighter_of(app.buffer)
    if highlighter is not None:
        highlighter.settle(10)
    await pilot.pause(0.5)


async def suggestion_with(pilot, text: str, timeout: float = 5.0):
    """Wait until the suggestion on screen inserts ``text`` (not one asked for halfway
    through the typing that led to it, which a busy machine can show first)."""
    app = pilot.app
    await wait_for(pilot, lambda: app.predictions.visible()
                   and any(text in p.text for p in app.predictions.shown.pieces), timeout)
    return app.predictions.shown

"""Changing code with the server: rename a symbol (with a preview) and code actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from nxedit.editor.view import motion
from .picker import pick
from .workspace_edit import apply_plan, apply_workspace_edit, plan_edit, preview

if TYPE_CHECKING:
    from .features import Doc, LanguageFeatures


def rename(features: "LanguageFeatures") -> None:
    """Ask for the new name, ask the server for the edit, show it, apply it on yes."""
    from nxedit.editor.ui.dialogs import Prompt

    app = features.app
    buffer = app.buffer
    start, end = motion.word_at(buffer.document, buffer.selection.head)
    (line, c0), (_, c1) = buffer.document.position(start), buffer.document.position(end)
    old = buffer.document.line_text(line)[c0:c1]  # a word never spans lines
    if not old.strip():
        app.say("put the cursor on the name to rename")
        return

    def answered(new: str | None) -> None:
        if new and new.strip() and new.strip() != old:
            _ask_rename(features, old, new.strip())

    app.push_screen(Prompt(f"Rename {old} to:", old), answered)


def _ask_rename(features: "LanguageFeatures", old: str, new: str) -> None:
    app = features.app
    version = app.buffer.version

    def done(result: lsp.WorkspaceEdit | None, doc: "Doc", session) -> None:
        if doc.buffer.version != version:
            app.say("the file changed while the server worked on the rename; try again", error=True)
            return
        if result is None:
            app.say(f"{doc.key.server} cannot rename {old} here")
            return
        plan = plan_edit(features, result, session.encoding)
        if isinstance(plan, str):
            app.say(f"rename: {plan}", error=True)
            return
        if not plan:
            app.say("nothing to rename")
            return
        confirm_and_apply(features, plan, f"Rename {old} → {new}", Path(doc.key.root))

    features.ask(lsp.TEXT_DOCUMENT_RENAME,
                 lambda doc, session, pos: lsp.RenameParams(
                     text_document=lsp.TextDocumentIdentifier(doc.uri), position=pos, new_name=new),
                 done, "rename_provider", "rename")


def confirm_and_apply(features: "LanguageFeatures", plan, title: str, root: Path | None) -> None:
    """Show the plan's changed lines; apply them all (one undo step) on "Apply"."""
    from nxedit.editor.ui.dialogs import Choice

    files = len(plan)
    question = f"{title}: {files} file{'s' if files != 1 else ''}\n\n{preview(plan, root)}"

    def answered(answer: str | None) -> None:
        if answer == "apply":
            buffers = apply_plan(features, plan)
            features.app.say(f"{title}: changed {len(buffers)} file{'s' if len(buffers) != 1 else ''} "
                             "(unsaved; Ctrl+Z undoes all of it)")

    features.app.push_screen(Choice(question, [("apply", "Apply"), ("cancel", "Cancel")]), answered)


def code_actions(features: "LanguageFeatures") -> None:
    """The server's actions for the cursor's line (quick fixes for its problems first)."""
    app = features.app
    buffer = app.buffer
    version = buffer.version

    def params(doc: "Doc", session, pos: lsp.Position) -> lsp.CodeActionParams:
        line = buffer.cursor[0]
        sel = buffer.selection
        if sel.is_empty:
            rng = lsp.Range(pos, pos)
        else:
            from nxedit.model.lsp.positions import to_server_position

            (l0, c0), (l1, c1) = buffer.document.position(sel.start), buffer.document.position(sel.end)
            rng = lsp.Range(to_server_position(buffer.document.line_text, l0, c0, session.encoding),
                            to_server_position(buffer.document.line_text, l1, c1, session.encoding))
        nearby = [session.structure(d, lsp.Diagnostic) for d in doc.raw
                  if d["range"]["start"]["line"] <= line <= d["range"]["end"]["line"]]
        return lsp.CodeActionParams(text_document=lsp.TextDocumentIdentifier(doc.uri), range=rng,
                                    context=lsp.CodeActionContext(diagnostics=nearby))

    def done(result: Any, doc: "Doc", session) -> None:
        actions = [a for a in (result or ()) if not (isinstance(a, lsp.CodeAction) and a.disabled)]
        if not actions:
            app.say("no code actions here")
            return
        actions.sort(key=lambda a: (not getattr(a, "is_preferred", False),
                                    getattr(a, "kind", "") != lsp.CodeActionKind.QuickFix))
        entries = [(a.title, str(getattr(a, "kind", "") or ""),
                    lambda a=a: run_action(features, doc, session, a, version)) for a in actions]
        pick(app, entries, "Code actions…")

    features.ask(lsp.TEXT_DOCUMENT_CODE_ACTION, params, done, "code_action_provider", "code actions")


def run_action(features: "LanguageFeatures", doc: "Doc", session, action, version: int) -> None:
    """Apply a chosen action: its edit, then its command (the server may send more edits)."""
    app = features.app
    if doc.buffer.version != version:
        app.say("the file changed since the actions were listed; ask again", error=True)
        return
    if isinstance(action, lsp.Command):
        _execute(features, doc, action)
        return
    if action.edit is None and action.command is None and session.capabilities is not None:
        provider = session.capabilities.code_action_provider
        if isinstance(provider, lsp.CodeActionOptions) and provider.resolve_provider:

            def resolved(full: lsp.CodeAction | None, error: str | None) -> None:
                if error:
                    app.say(error, error=True)
                elif full is not None and (full.edit is not None or full.command is not None):
                    run_action(features, doc, session, full, version)

            features.hub.request(doc.key, lsp.CODE_ACTION_RESOLVE, action, resolved)
            return
    if action.edit is not None:
        apply_workspace_edit(features, action.edit, action.title, session.encoding)
    if action.command is not None:
        _execute(features, doc, action.command)


def _execute(features: "LanguageFeatures", doc: "Doc", command: lsp.Command) -> None:
    def done(result: Any, error: str | None) -> None:
        if error:
            features.app.say(error, error=True)

    features.hub.request(doc.key, lsp.WORKSPACE_EXECUTE_COMMAND,
                         lsp.ExecuteCommandParams(command=command.command, arguments=command.arguments), done)

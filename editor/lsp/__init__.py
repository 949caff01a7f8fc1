"""Language servers in the editor: document sync, diagnostics, navigation, refactoring and
completion, on the client in :mod:`nxedit.model.lsp`. Imported after the first paint."""

from __future__ import annotations

import os
from typing import Any


def lsp_enabled(options: Any) -> bool:
    """``[lsp] enabled`` in the config when set, else on unless ``NXEDIT_LSP=off``."""
    if isinstance(options, dict) and isinstance(options.get("enabled"), bool):
        return options["enabled"]
    return os.environ.get("NXEDIT_LSP", "").lower() not in ("off", "0", "false", "no")

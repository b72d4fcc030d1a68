"""The CEL library, imported without its interactive command line.

Why: ``import cel`` runs the package's ``__init__``, which imports ``cel.cli`` and with
it typer, rich, pygments and prompt_toolkit — about half of ``hamroh rules check``'s
start-up and a good part of the bot's. Nothing in Hamroh uses that command line, so
an empty module stands in for it before the import.
"""

from __future__ import annotations

import sys
import types

sys.modules.setdefault("cel.cli", types.ModuleType("cel.cli"))

import cel  # noqa: E402  (after the stand-in, on purpose)

__all__ = ["cel"]

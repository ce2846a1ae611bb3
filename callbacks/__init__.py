"""Wire the page controls to dashboard functions: every callback is registered here."""

from __future__ import annotations

from . import (benchmark, definitions, downloads, executive, filters, importing, present,
               quality, snapshot)


def register_callbacks(app) -> None:
    """Register all callbacks of the app (one way, everywhere: a register(app) per module)."""
    filters.register(app)
    definitions.register(app)
    importing.register(app)
    quality.register(app)
    downloads.register(app)
    benchmark.register(app)
    executive.register(app)
    snapshot.register(app)
    present.register(app)

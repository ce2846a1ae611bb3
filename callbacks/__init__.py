"""Wire the page controls to dashboard functions: every callback is registered here."""

from __future__ import annotations

from . import benchmark, definitions, downloads, filters, importing, present, quality


def register_callbacks(app) -> None:
    """Register all callbacks of the app (one way, everywhere: a register(app) per module)."""
    filters.register(app)
    definitions.register(app)
    importing.register(app)
    quality.register(app)
    downloads.register(app)
    benchmark.register(app)
    present.register(app)

"""Hold what one running app shares between requests: database, settings and cache."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .db import Database
from .db.access import ANONYMOUS, Viewer
from .db.aggregates import data_version
from .settings import Config

log = logging.getLogger(__name__)
EXTENSION_KEY = "shelfmark"


def _code_version() -> str:
    """Fingerprint the code that computes cached results, so a new release never reads
    results (or pickled objects) an older one left in a shared cache."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("dashboard", "layouts"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = _code_version()


@dataclass
class AppContext:
    """The database, settings and shared cache of one app instance (no per-request state)."""

    db: Database
    config: Config
    cache: Any = None  # a flask_caching.Cache, shared across workers

    def cached(self, parts: tuple, compute: Callable[[], Any]) -> Any:
        """Return a cached result keyed by `parts` and the data version, computing on a miss."""
        if self.cache is None:
            return compute()
        version = data_version(self.db, current_viewer())
        raw = repr((CODE_VERSION, self.db.url, version, *parts)).encode()
        key = "shelfmark:" + hashlib.sha256(raw).hexdigest()
        try:
            hit = self.cache.get(key)
        except Exception:  # a cache outage must not take the dashboard down
            log.warning("cache read failed; computing directly", exc_info=True)
            hit = None
        if hit is not None:
            return hit
        value = compute()
        try:
            self.cache.set(key, value)
        except Exception:
            log.warning("cache write failed", exc_info=True)
        return value


def current() -> AppContext:
    """Return the context of the Flask app handling the current request."""
    from flask import current_app

    return current_app.extensions[EXTENSION_KEY]


def current_viewer() -> Viewer:
    """Return who is asking. Shelfmark has no sign-in yet, so everyone is anonymous."""
    return ANONYMOUS

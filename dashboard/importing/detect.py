"""Tell which importer a file is for from its column names (and, as a hint, its name)."""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from ..catalogue import CATALOGUE

IMLS_COLUMNS = {"FSCSKEY", "LIBNAME", "STABR"}
TEMPLATE_CORE = ("service", "metric", "period", "value")
ACE_ANY_OF = ({"authority", "period"}, {"authoritycode"}, {"uppertierlocalauthoritycode"})


def column_key(name: str) -> str:
    """Fold a column name for matching: no case, spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", str(name).replace("\ufeff", "")).lower()


@lru_cache(maxsize=1)
def _metric_keys() -> frozenset[str]:
    return frozenset(column_key(text) for m in CATALOGUE.stored for text in (m.code, m.name))


def detect_format(columns: list[str], filename: str = "") -> str | None:
    """Return "imls-pls", "ace" or "shelfmark" for a file with these columns, or None.

    A file with three of the template's service, metric, period and value columns (or one of
    service and period beside metric columns), some perhaps misspelt, counts as the template,
    so that its reader can say which column is wrong.
    """
    del filename  # the columns decide; a name can lie
    upper = {str(c).replace("\ufeff", "").strip().upper() for c in columns}
    if IMLS_COLUMNS <= upper:
        return "imls-pls"
    keys = {column_key(c) for c in columns}
    if any(group <= keys for group in ACE_ANY_OF):
        return "ace"
    metric_columns = bool(keys & _metric_keys())
    if {"service", "period"} <= keys and ({"metric", "value"} <= keys or metric_columns):
        return "shelfmark"
    # A template with a misspelt column: close enough to say what is wrong with it.
    near = {name for name in TEMPLATE_CORE
            if difflib.get_close_matches(name, list(keys), n=1, cutoff=0.75)}
    if len(near) >= 3 or (metric_columns and near & {"service", "period"}):
        return "shelfmark"
    return None

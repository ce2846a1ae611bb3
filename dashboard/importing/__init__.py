"""Bring figures in: read files, validate them, and load them atomically and undoably.

The pieces meet in one normalised form, `ImportData`:
- readers and adapters (`reader`, `shelfmark`, `imls`, `ace`) turn a file into ImportData or
  raise ImportFailed listing every problem with its row, column and reason;
- `checks` warns about figures worth a second look (future periods, outliers);
- the data seam (`dashboard.db.imports`) compares ImportData with what is stored, reports what
  would be added, replaced or left unchanged (an ImportResult), and commits it in one
  transaction as one ImportBatch, which `undo_import` reverses exactly (an UndoResult).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

import pandas as pd

from ..formatting import plural

# Columns of ImportData.observations, in order.
OBSERVATION_COLUMNS = (
    "service",         # service code (str)
    "metric",          # stored metric code (str), never a derived one
    "period_type",     # "month" | "quarter" | "year"
    "period_start",    # datetime.date: first day of the month, quarter or financial year
    "team",            # "" for the whole service
    "value",           # float, or NaN when missing (never 0 for missing)
    "missing_reason",  # None, or why the value is missing (e.g. "suppressed", "not applicable")
    "imputed",         # bool: the publisher imputed this value
    "note",            # free text or ""
    "source_row",      # 1-based row number in the file as a spreadsheet shows it (header = 1)
    "source_column",   # the file's column the value came from
)

# Columns of ImportData.services (rows for services the file describes or may create).
SERVICE_COLUMNS = (
    "code", "name", "sector", "org_type", "region", "parent_org", "population",
    "population_unit", "attributes",  # attributes: dict of free attributes (state, locale, ...)
)

# Columns of ImportData.neighbours: ranked "similar services" lists shipped with a return.
NEIGHBOUR_COLUMNS = ("service", "neighbour", "rank", "source")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in an input, located as precisely as possible."""

    reason: str
    row: int | None = None        # 1-based spreadsheet row (header is row 1); None: whole file
    column: str | None = None     # the file's column name
    value: str | None = None      # the offending cell as text (shortened)
    severity: str = "error"       # "error" blocks the import; "warning" does not

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        shown = f" (value {self.value!r})" if self.value not in (None, "") else ""
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}{shown}" if prefix else f"{self.reason}{shown}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value,
                "reason": self.reason, "severity": self.severity}


def quoted_choices(options: list[str]) -> str:
    """Join quoted options for a sentence: "'a'", "'a' or 'b'", "'a', 'b' or 'c'"."""
    quoted = [repr(o) for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def close_codes(code: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Return up to `n` known codes that look like a mistyped `code`, closest first."""
    return difflib.get_close_matches(code, list(known), n=n, cutoff=0.6)


class ImportFailed(Exception):
    """The input cannot be imported; `problems` says every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "unknown problem"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


@dataclass
class DataSourceInfo:
    """The publisher of a file's figures, created on first import."""

    code: str
    name: str
    public: bool = False
    synthetic: bool = False
    description: str = ""
    url: str = ""
    licence: str = ""


@dataclass
class ImportData:
    """A file's figures in normalised form, ready for the engine."""

    format: str                                  # "shelfmark" | "imls-pls" | "ace"
    observations: pd.DataFrame                   # OBSERVATION_COLUMNS
    services: pd.DataFrame | None = None         # SERVICE_COLUMNS, or None
    source: DataSourceInfo | None = None         # for services the file creates
    neighbours: pd.DataFrame | None = None       # NEIGHBOUR_COLUMNS, or None
    warnings: list[Problem] = field(default_factory=list)
    filename: str = ""
    checksum: str = ""                           # sha256 hex of the file's bytes


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in OBSERVATION_COLUMNS})


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    batch_id: int | None
    rows: int
    added: int
    replaced: int
    unchanged: int
    services_created: list[str] = field(default_factory=list)
    neighbours_added: int = 0
    replacements: pd.DataFrame | None = None  # the first replaced values: old -> new
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.services_created or self.neighbours_added)

    def summary(self) -> str:
        """Say what the import did, or for a dry run what it would do, in one sentence."""
        if self.dry_run:
            text = (f"{plural(self.rows, 'row')} read: would add {self.added:,}, replace "
                    f"{self.replaced:,} and leave {self.unchanged:,} unchanged")
            created, links = "would create ", "would store "
        else:
            text = (f"{plural(self.rows, 'row')} read: added {self.added:,}, replaced "
                    f"{self.replaced:,}, unchanged {self.unchanged:,}")
            created = links = ""
        if self.services_created:
            text += f"; {created}{plural(len(self.services_created), 'new service')}"
        if self.neighbours_added:
            text += f"; {links}{plural(self.neighbours_added, 'neighbour link')}"
        return text


@dataclass
class UndoResult:
    """What undoing an import removed and restored."""

    batch_id: int
    removed: int
    restored: int
    services_removed: int
    neighbours_removed: int = 0
    sources_removed: int = 0

    def summary(self) -> str:
        """Say what the undo did, in one sentence."""
        text = (f"Undid batch {self.batch_id}: removed {plural(self.removed, 'figure')}, "
                f"restored {plural(self.restored, 'replaced value')}")
        if self.services_removed:
            text += f", removed {plural(self.services_removed, 'service')}"
        if self.neighbours_removed:
            text += f", removed {plural(self.neighbours_removed, 'neighbour link')}"
        if self.sources_removed:
            text += f", removed {plural(self.sources_removed, 'data source')}"
        return text + "."

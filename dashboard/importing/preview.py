"""Check an uploaded file and report what importing it would do; then import it.

The Import page calls these through background jobs (`dashboard.jobs`): `check_upload` is a dry
run returning a JSON-able preview (counts, problems, warnings, values to be replaced, first rows);
`commit_upload` does the import. Both read the file afresh from its bytes, so nothing parsed is
kept between the two steps. Failures raise JobError carrying every problem as a dict.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from typing import Any

import pandas as pd

from ..catalogue import CATALOGUE
from ..db import Database
from ..db.exports import services_for_export
from ..db.imports import import_data
from ..jobs import JobError, Progress
from ..periods import period_label
from ..settings import Config
from . import ImportData, ImportFailed, ImportResult, Problem
from .load import FORMATS, read_import

PROBLEMS_SHOWN = 1000
SAMPLE_ROWS = 12


def decode_upload(contents: Any, filename: Any, max_bytes: int) -> tuple[bytes, str]:
    """Turn an upload's data URL (as dcc.Upload sends it) into bytes, or raise ImportFailed."""
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 255:
        raise ImportFailed([Problem("the upload has no usable file name")])
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not isinstance(contents, str) or "," not in contents[:300]:
        raise ImportFailed([Problem("the upload did not arrive as a file; try again")])
    header, encoded = contents.split(",", 1)
    if not header.startswith("data:") or ";base64" not in header:
        raise ImportFailed([Problem("the upload did not arrive as a file; try again")])
    if len(encoded) > (max_bytes * 4) // 3 + 8:
        raise ImportFailed([_too_big(len(encoded) * 3 // 4, max_bytes)])
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ImportFailed([Problem("the upload was damaged on the way (not valid base64); "
                                    "try again")]) from None
    if len(content) > max_bytes:
        raise ImportFailed([_too_big(len(content), max_bytes)])
    return content, name


def _too_big(size: int, max_bytes: int) -> Problem:
    return Problem(f"the file is {size / 1048576:,.1f} MB, over the {max_bytes / 1048576:,.0f} MB "
                   "limit for imports (the IMPORT_MAX_MB setting); split it into smaller files")


def _options(fmt: Any, sheet: Any, create_services: Any) -> tuple[str, str | None, bool]:
    """Validate the page's options (untrusted): format, sheet name, create-services flag."""
    fmt = fmt if isinstance(fmt, str) and fmt in FORMATS else "auto"
    sheet = sheet if isinstance(sheet, str) and 0 < len(sheet) <= 100 else None
    return fmt, sheet, bool(create_services is True)


def _failed(failed: ImportFailed) -> JobError:
    problems = failed.problems
    errors = [p for p in problems if p.severity == "error"] or problems
    summary = (f"Nothing was imported: {len(errors):,} problem{'s' if len(errors) != 1 else ''} "
               "to fix in the file.")
    return JobError(summary, {"problems": [p.as_dict() for p in problems[:PROBLEMS_SHOWN]],
                              "problem_count": len(problems)})


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _period_text(ptype: str, start: Any, fy_month: int) -> str:
    if isinstance(start, str):
        start = dt.date.fromisoformat(start[:10])
    if isinstance(start, dt.datetime):
        start = start.date()
    return period_label(start, ptype, fy_month)


def _fy_months(db: Database, viewer, config: Config, codes) -> dict[str, int]:
    sectors = services_for_export(db, viewer, list(codes))
    return {code: config.fy_start_month(sectors.get(code, "other")) for code in codes}


def _preview(db: Database, viewer, config: Config, data: ImportData,
             result: ImportResult) -> dict[str, Any]:
    obs = data.observations
    names = CATALOGUE.names()
    sample = obs.head(SAMPLE_ROWS)
    replacements = result.replacements if result.replacements is not None else pd.DataFrame()
    codes = set(sample["service"]) | (set(replacements["service"]) if len(replacements) else set())
    fy = _fy_months(db, viewer, config, codes)
    default_fy = config.fy_start_month("other")
    return {
        "filename": data.filename,
        "format": data.format,
        "rows": result.rows,
        "added": result.added,
        "replaced": result.replaced,
        "unchanged": result.unchanged,
        "services_created": list(result.services_created),
        "neighbours": result.neighbours_added,
        "batch_id": result.batch_id,
        "summary": result.summary(),
        "warnings": [p.as_dict() for p in result.warnings[:PROBLEMS_SHOWN]],
        "replacements": [
            {"service": r.service, "metric": names.get(r.metric, r.metric),
             "period": _period_text(r.period_type, r.period_start, fy.get(r.service, default_fy)),
             "team": r.team or "", "old": _number(r.old), "new": _number(r.new)}
            for r in replacements.itertuples()
        ],
        "sample": [
            {"row": int(r.source_row) if r.source_row == r.source_row else None,
             "service": r.service, "metric": names.get(r.metric, r.metric),
             "period": _period_text(r.period_type, r.period_start, fy.get(r.service, default_fy)),
             "team": r.team or "", "value": _number(r.value),
             "missing": r.missing_reason or ""}
            for r in sample.itertuples()
        ],
    }


def check_upload(db: Database, viewer, config: Config, content: bytes, filename: str, *,
                 fmt: Any = "auto", sheet: Any = None, create_services: Any = False,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Read and validate a file, and count what importing it would change; write nothing."""
    fmt, sheet, create = _options(fmt, sheet, create_services)
    report = progress or (lambda stage, fraction: None)
    try:
        report("reading", 0.05)
        data = read_import(db, viewer, config, content, filename, fmt=fmt,
                           create_services=create, sheet=sheet)
        result = import_data(db, viewer, data, created_by="preview", create_services=create,
                             dry_run=True, progress=lambda s, f: report(s, 0.3 + 0.7 * f))
    except ImportFailed as failed:
        raise _failed(failed) from None
    return _preview(db, viewer, config, data, result)


def commit_upload(db: Database, viewer, config: Config, content: bytes, filename: str, *,
                  created_by: str, fmt: Any = "auto", sheet: Any = None,
                  create_services: Any = False,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Import a file in one transaction; return what changed and the new batch's id."""
    fmt, sheet, create = _options(fmt, sheet, create_services)
    report = progress or (lambda stage, fraction: None)
    try:
        report("reading", 0.05)
        data = read_import(db, viewer, config, content, filename, fmt=fmt,
                           create_services=create, sheet=sheet)
        result = import_data(db, viewer, data, created_by=created_by, create_services=create,
                             progress=lambda s, f: report(s, 0.3 + 0.7 * f))
    except ImportFailed as failed:
        raise _failed(failed) from None
    return _preview(db, viewer, config, data, result)

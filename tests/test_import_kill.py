"""A process killed in the middle of an import leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select

from dashboard.db.models import ImportBatch, Observation, Service

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import datetime as dt, sys
    import pandas as pd
    from dashboard.db import Database
    from dashboard.importing import ImportData, OBSERVATION_COLUMNS
    from dashboard.db.imports import import_data
    from dashboard.db.access import ANONYMOUS

    db = Database(sys.argv[1])
    n = 300_000
    months = [dt.date(2000 + i // 12, i % 12 + 1, 1) for i in range(300)]
    obs = pd.DataFrame({
        "service": [f"K{i % 1000:04d}" for i in range(n)],
        "metric": "searches", "period_type": "month",
        "period_start": [months[i // 1000] for i in range(n)], "team": "",
        "value": [float(i % 97) for i in range(n)], "missing_reason": None,
        "imputed": False, "note": "", "source_row": range(2, n + 2),
        "source_column": "value"}, columns=list(OBSERVATION_COLUMNS))

    def progress(stage, fraction):
        print(stage, round(fraction, 2), flush=True)

    import_data(db, ANONYMOUS, ImportData("shelfmark", obs, filename="big.csv"),
                created_by="kill test", create_services=True, progress=progress)
    print("finished", flush=True)
""")


def counts(db):
    with db.session() as session:
        return (session.scalar(select(func.count()).select_from(Observation)),
                session.scalar(select(func.count()).select_from(Service)),
                session.scalar(select(func.count()).select_from(ImportBatch)))


def test_killed_import_leaves_nothing(tiny_db):
    before = counts(tiny_db)
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, tiny_db.url], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        for line in process.stdout:
            seen.append(line.strip())
            # Services and the batch row are written by now, and rows are being staged.
            if line.startswith("staging") and float(line.split()[1]) > 0.1:
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, (seen, process.stderr.read()[-2000:])
    assert "finished" not in seen
    assert counts(tiny_db) == before

"""Two writes at once lose nothing, on SQLite and PostgreSQL, with real processes.

Operators run `python -m dashboard import` and `undo-import` (and the Import page runs the same
functions) while other people import or download. Writes are made one at a time
(dashboard.db.engine: an advisory lock on PostgreSQL, BEGIN IMMEDIATE on SQLite): the second
waits for the first and then sees what it committed, or, past WRITE_WAIT_SECONDS, is told
plainly to try again. Reads never wait for a write.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from dashboard.db import ANONYMOUS
from dashboard.db.models import DataSource, ImportBatch, Metric, Observation, Service

ROOT = Path(__file__).resolve().parent.parent
# Files big enough (tens of thousands of figures) that two imports overlap in time.
SERVICES = [f"CW{i:04d}" for i in range(1000)]
MONTHS = [f"{y}-{m:02d}" for y in (2030, 2031) for m in range(1, 13)]
IMPORTED = re.compile(r"Imported as batch (\d+): ([\d,]+) rows read: added ([\d,]+), "
                      r"replaced ([\d,]+)")


def imported(out: str) -> tuple[int, int, int, int]:
    """Read (batch, rows, added, replaced) from the import command's report."""
    return tuple(int(group.replace(",", "")) for group in IMPORTED.search(out).groups())


def write_figures(path: Path, services, value: float) -> dict:
    """Write a template CSV of searches for the services over 2030-31 (every figure = value);
    return its figures as {(service, month): value}."""
    figures = {(code, m): value for code in services for m in MONTHS}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["service", "metric", "period", "value"])
        for (code, m), v in figures.items():
            out.writerow([code, "searches", m, v])
    return figures


def start(url: str, *args, wait: float = 60) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "WRITE_WAIT_SECONDS": str(wait)}
    quiet = ["--quiet"] if args[0] == "import" else []
    return subprocess.Popen([sys.executable, "-m", "dashboard", *args, *quiet], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def stored(db) -> dict:
    """The stored searches of the test's services: {(service, 'YYYY-MM'): (value, batch)}."""
    with db.session() as session:
        rows = session.execute(
            select(Service.code, Observation.period_start, Observation.value,
                   Observation.batch_id)
            .join(Service, Observation.service_id == Service.id)
            .join(Metric, Observation.metric_id == Metric.id)
            .where(Metric.code == "searches", Service.code.in_(SERVICES))).all()
    return {(code, str(start)[:7]): (value, batch) for code, start, value, batch in rows}


@pytest.fixture
def shared_db(empty_db):
    """A database with the test's services and no figures (an import may not create them at
    the same moment as another: that would test the unique code, not the figures)."""
    with empty_db.session() as session:
        source = DataSource(code="cw", name="Concurrency test", public=False, synthetic=True)
        session.add(source)
        session.flush()
        session.add_all([Service(code=code, name=f"Library {code}", sector="nhs",
                                 source_id=source.id, attributes={}) for code in SERVICES])
    return empty_db


def hold_the_lock(db, seconds: float):
    """Hold the write lock for a while, as a long import would, then let go."""
    with db.writing(ANONYMOUS, "import") as conn:
        conn.execute(text("SELECT 1"))
        time.sleep(seconds)


def test_two_overlapping_imports_both_count_and_undo_exactly(shared_db, tmp_path):
    first = write_figures(tmp_path / "first.csv", SERVICES[:700], 1.0)
    second = write_figures(tmp_path / "second.csv", SERVICES[300:], 2.0)
    # Both start while another write holds the lock: both wait, then race for it.
    processes = []
    with shared_db.writing(ANONYMOUS, "import"):
        processes = [start(shared_db.url, "import", str(tmp_path / "first.csv")),
                     start(shared_db.url, "import", str(tmp_path / "second.csv"))]
        time.sleep(3)
        assert all(p.poll() is None for p in processes)  # waiting, not failing
    results = [finish(p) for p in processes]
    assert [code for code, _, _ in results] == [0, 0], results
    reports = {}
    for (_, out, _), name in zip(results, ("first", "second")):
        reports[name] = imported(out)
    # The one that took the lock second saw the other's figures: it replaced the overlap.
    earlier, later = sorted(reports, key=lambda name: reports[name][0])
    overlap = len(set(first) & set(second))
    figures = {"first": first, "second": second}
    assert reports[earlier][2:] == (len(figures[earlier]), 0)
    assert reports[later][2:] == (len(figures[later]) - overlap, overlap)
    expected = {**figures[earlier], **figures[later]}
    assert {k: v for k, (v, _) in stored(shared_db).items()} == expected

    # Undo: the earlier batch cannot go first; the later one restores exactly what it replaced.
    code, _, err = finish(start(shared_db.url, "undo-import", str(reports[earlier][0])))
    assert code == 1 and f"changed later by batch {reports[later][0]}" in err
    assert "Traceback" not in err
    code, out, err = finish(start(shared_db.url, "undo-import", str(reports[later][0])))
    assert code == 0, err
    assert {k: v for k, (v, _) in stored(shared_db).items()} == figures[earlier]
    assert {batch for _, batch in stored(shared_db).values()} == {reports[earlier][0]}
    code, _, err = finish(start(shared_db.url, "undo-import", str(reports[earlier][0])))
    assert code == 0, err
    assert stored(shared_db) == {}


def test_an_import_and_an_undo_at_once_keep_one_order(shared_db, tmp_path):
    first = write_figures(tmp_path / "first.csv", SERVICES[:700], 1.0)
    code, out, err = finish(start(shared_db.url, "import", str(tmp_path / "first.csv")))
    assert code == 0, err
    batch = str(imported(out)[0])
    second = write_figures(tmp_path / "second.csv", SERVICES[300:], 2.0)
    with shared_db.writing(ANONYMOUS, "import"):
        importing = start(shared_db.url, "import", str(tmp_path / "second.csv"))
        undoing = start(shared_db.url, "undo-import", batch)
        time.sleep(3)
    (import_code, import_out, import_err), (undo_code, _, undo_err) = map(
        finish, (importing, undoing))
    assert import_code == 0, import_err
    assert "Traceback" not in import_err + undo_err
    values = {k: v for k, (v, _) in stored(shared_db).items()}
    if undo_code == 0:  # the undo went first: the import then added every figure afresh
        assert imported(import_out)[2:] == (len(second), 0)
        assert values == second
    else:  # the import went first and replaced the batch's figures: undo that first
        assert undo_code == 1 and "undo that first" in undo_err
        assert values == {**first, **second}


def test_a_writer_kept_waiting_too_long_is_told_to_try_again(shared_db, tmp_path):
    write_figures(tmp_path / "figures.csv", SERVICES[:5], 3.0)
    with shared_db.writing(ANONYMOUS, "import"):
        code, out, err = finish(start(shared_db.url, "import", str(tmp_path / "figures.csv"),
                                      wait=1))
    assert code == 1
    assert "still being saved. Nothing was changed: try again" in err
    assert "Traceback" not in err and "locked" not in err
    assert stored(shared_db) == {}
    with shared_db.session() as session:
        assert session.scalars(select(ImportBatch)).all() == []


def test_a_download_made_during_an_import_shows_the_figures_before_it(shared_db, tmp_path):
    write_figures(tmp_path / "figures.csv", SERVICES[:1], 5.0)
    code, _, err = finish(start(shared_db.url, "import", str(tmp_path / "figures.csv")))
    assert code == 0, err
    address = f"/activity?service={SERVICES[0]}&from=2031-01&to=2031-12"

    def snapshot(name: str) -> set[float]:
        """Download the view's CSV; return the values it gives for searches."""
        output = tmp_path / name
        made = subprocess.run(
            [sys.executable, "-m", "dashboard", "snapshot", "--url", address, "-o",
             str(output), "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120,
            env={**os.environ, "DATABASE_URL": shared_db.url, "WRITE_WAIT_SECONDS": "1"})
        assert made.returncode == 0, made.stderr
        with output.open(encoding="utf-8-sig", newline="") as handle:
            return {float(row["Value"]) for row in csv.DictReader(handle)
                    if row["Measure code"] == "searches" and row["Value"]}

    # An import in progress (not yet committed) changes every figure of the year.
    with shared_db.writing(ANONYMOUS, "import") as conn:
        conn.execute(text("UPDATE observation SET value = 7 WHERE service_id = "
                          "(SELECT id FROM service WHERE code = :code)"), {"code": SERVICES[0]})
        started = time.perf_counter()
        during = snapshot("during.csv")
        assert time.perf_counter() - started < 60  # the read did not wait for the write
    after = snapshot("after.csv")
    assert during and during <= {5.0, 60.0}  # months of 5 (and their year): before the change
    assert after and after <= {7.0, 84.0}  # the changed figures, once committed

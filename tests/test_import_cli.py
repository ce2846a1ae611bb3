"""`python -m dashboard import`, `imports` and `undo-import`, as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def count_rows(url: str) -> int:
    from sqlalchemy import func, select

    from dashboard.db import Database
    from dashboard.db.models import Observation

    db = Database(url)
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Observation))
    db.dispose()
    return total


@pytest.fixture
def seeded(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    assert cli("seed-demo", "--services", "2", "--years", "1", url=url).returncode == 0
    return url


def test_import_imports_and_undo(seeded, tmp_path):
    good = tmp_path / "figures.csv"
    good.write_text("service,metric,period,value\nDEMO001,searches,2031-04,10\n"
                    "DEMO001,searches,2031-05,\"1,234\"\n", encoding="utf-8")
    before = count_rows(seeded)
    dry = cli("import", str(good), "--dry-run", "--quiet", url=seeded)
    assert dry.returncode == 0 and "Dry run, nothing written" in dry.stdout
    assert count_rows(seeded) == before
    done = cli("import", str(good), "--quiet", url=seeded)
    assert done.returncode == 0, done.stderr
    match = re.search(r"Imported as batch (\d+): 2 rows read: added 2, replaced 0, "
                      r"unchanged 0", done.stdout)
    assert match, done.stdout
    batch = match.group(1)
    assert count_rows(seeded) == before + 2
    again = cli("import", str(good), "--quiet", url=seeded)
    assert again.returncode == 0 and "Nothing changed" in again.stdout
    assert "unchanged 2" in again.stdout
    listed = cli("imports", url=seeded)
    assert listed.returncode == 0 and "figures.csv" in listed.stdout
    undone = cli("undo-import", batch, url=seeded)
    assert undone.returncode == 0 and f"Undid batch {batch}: removed 2 figures" in undone.stdout
    assert count_rows(seeded) == before
    twice = cli("undo-import", batch, url=seeded)
    assert twice.returncode == 1 and "already undone" in twice.stderr


def test_failed_import_lists_every_problem_and_writes_nothing(seeded, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("service,metric,period,value\nDEMO001,searches,2031-04,lots\n"
                   "DEMO001,serches,2031-05,5\nDEMO001,searches,2031-13,5\n"
                   "DEMO001,searches,2031-06,-4\n", encoding="utf-8")
    before = count_rows(seeded)
    failed = cli("import", str(bad), "--quiet", url=seeded)
    assert failed.returncode == 1
    err = failed.stderr
    assert "Nothing was imported: 4 problem(s)" in err
    assert "row 2, column 'value'" in err and "'lots' is not a number" in err
    assert "row 3, column 'metric'" in err and "did you mean 'searches'" in err
    assert "row 4, column 'period'" in err
    assert "row 5, column 'value'" in err and "negative" in err
    assert "Traceback" not in err
    assert count_rows(seeded) == before


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "image"),
    (b"service,metric,period,value\n", "no rows"),
])
def test_files_that_are_not_figures(seeded, tmp_path, content, expected):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    result = cli("import", str(path), "--quiet", url=seeded)
    assert result.returncode == 1
    assert expected in result.stderr.lower(), result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_unknown_batch(seeded):
    missing = cli("import", "/no/such/file.csv", url=seeded)
    assert missing.returncode == 1 and "there is no file" in missing.stderr
    unknown = cli("undo-import", "9999", url=seeded)
    assert unknown.returncode == 1 and "there is no import batch 9999" in unknown.stderr


IMLS_FIXTURES = ROOT / "tests" / "fixtures" / "imls"


def test_import_files_each_imls_survey_year_under_its_own_year(empty_db, tmp_path):
    """FY2011, FY2015 and FY2017 files, as `python -m dashboard import` reads them.

    Their YR_SUB columns say 2012, 2016 and 2017 (when the data were submitted): the figures
    go under the years the reporting periods and the file names give.
    """
    from sqlalchemy import func, select

    from dashboard.db.models import Observation

    for name, label in (("PLS_FY2011_AE_pupld11a.csv", "2010/11"),
                        ("pls_fy2015_pupld15a.csv", "2014/15"),
                        ("pls_fy2017_ae_pud17i.csv", "2016/17")):
        done = cli("import", str(IMLS_FIXTURES / name), "--quiet", url=empty_db.url)
        assert done.returncode == 0, done.stderr
        assert re.search(r"Imported as batch \d+: \d+ rows read: added \d+", done.stdout)
        assert f"stored as the financial year {label} (Jul {label[:4]} to Jun " \
            f"{int(label[:4]) + 1})" in done.stderr
    with empty_db.session() as session:
        starts = session.scalars(select(Observation.period_start).distinct()
                                 .order_by(Observation.period_start)).all()
        figures = session.scalar(select(func.count()).select_from(Observation))
    assert [str(s) for s in starts] == ["2010-07-01", "2014-07-01", "2016-07-01"]
    misnamed = tmp_path / "pls_fy2016_pupld16a.csv"
    misnamed.write_bytes((IMLS_FIXTURES / "pls_fy2015_pupld15a.csv").read_bytes())
    refused = cli("import", str(misnamed), "--quiet", url=empty_db.url)
    assert refused.returncode == 1
    assert "Nothing was imported: 1 problem(s)" in refused.stderr
    assert "column 'ENDDATE': the file 'pls_fy2016_pupld16a.csv' is named as FY2016, but its " \
        "reporting periods say FY2015" in refused.stderr
    assert "(value '07/01/2014 to 06/30/2015')" in refused.stderr
    with empty_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == figures

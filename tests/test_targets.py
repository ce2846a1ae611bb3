"""Targets: stored per service, measure and period, checked, replaced and removed (both
databases), and the demo's targets set from the year before."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete

from dashboard.catalogue import CATALOGUE
from dashboard.compute import derived_values
from dashboard.db import targets
from dashboard.db.access import ANONYMOUS
from dashboard.db.aggregates import aggregate
from dashboard.db.models import Service
from dashboard.periods import PeriodRange
from dashboard.targets import TargetError, TargetInfo

YEAR = PeriodRange(dt.date(2023, 4, 1), dt.date(2024, 3, 1))
QUARTER = PeriodRange(dt.date(2023, 4, 1), dt.date(2023, 6, 1))


def test_set_replace_list_and_delete(tiny_db):
    targets.set_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR, 80, note="plan")
    targets.set_target(tiny_db, ANONYMOUS, "TINY1", "cost_per_search", YEAR, 25.5)
    targets.set_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR, 90)  # replaces
    assert targets.targets_for(tiny_db, ANONYMOUS, "TINY1", YEAR) == {
        "searches": 90.0, "cost_per_search": 25.5}
    # a yearly target does not apply to a quarter of it
    assert targets.targets_for(tiny_db, ANONYMOUS, "TINY1", QUARTER) == {}
    listed = targets.list_targets(tiny_db, ANONYMOUS, "TINY1")
    assert [(t.metric, t.value) for t in listed] == [("cost_per_search", 25.5),
                                                     ("searches", 90.0)]
    assert targets.delete_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR) is True
    assert targets.delete_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR) is False
    assert targets.targets_for(tiny_db, ANONYMOUS, "TINY1", YEAR) == {"cost_per_search": 25.5}


@pytest.mark.parametrize("service, metric, value, period, message", [
    ("NOPE", "searches", 10, YEAR, "no service"),
    ("TINY1", "nonsense", 10, YEAR, "not a measure"),
    ("TINY1", "searches", -1, YEAR, "negative"),
    ("TINY1", "searches", float("nan"), YEAR, "finite"),
    ("TINY1", "searches", "10", YEAR, "finite number"),
    ("TINY1", "registered_pct", 120, YEAR, "over 100"),
])
def test_bad_targets_are_refused_with_a_reason(tiny_db, service, metric, value, period,
                                               message):
    with pytest.raises(TargetError, match=message):
        targets.set_target(tiny_db, ANONYMOUS, service, metric, period, value)
    assert targets.list_targets(tiny_db, ANONYMOUS) == []


def test_many_targets_all_or_nothing(tiny_db):
    good = TargetInfo("TINY1", "searches", YEAR, 50)
    bad = TargetInfo("TINY1", "searches", QUARTER, -5)
    with pytest.raises(TargetError):
        targets.set_targets(tiny_db, ANONYMOUS, [good, bad])
    assert targets.list_targets(tiny_db, ANONYMOUS) == []
    assert len(targets.set_targets(tiny_db, ANONYMOUS, [good])) == 1


def test_targets_go_with_their_service(tiny_db):
    targets.set_target(tiny_db, ANONYMOUS, "TINY2", "searches", YEAR, 5)
    with tiny_db.session() as session:
        session.execute(delete(Service).where(Service.code == "TINY2"))
        session.commit()
    assert targets.list_targets(tiny_db, ANONYMOUS) == []


def test_demo_targets_follow_the_year_before(demo_db):
    stored = targets.list_targets(demo_db, ANONYMOUS)
    assert stored, "the demo seed sets targets"
    periods = {t.period for t in stored}
    assert periods == {PeriodRange(dt.date(2024, 4, 1), dt.date(2025, 3, 1))}
    by_key = {(t.service, t.metric): t.value for t in stored}
    before = PeriodRange(dt.date(2023, 4, 1), dt.date(2024, 3, 1))
    service = sorted({t.service for t in stored})[0]
    codes = ["searches", "registered_pct"]
    found = derived_values(aggregate(demo_db, ANONYMOUS, service,
                                     CATALOGUE.stored_codes_for(codes), before, "range", 4),
                           codes)
    values = {code: value for code, cells in found.items() for value, _ in cells.values()}
    assert by_key[(service, "searches")] == pytest.approx(round(values["searches"] * 1.05, -1))
    assert by_key[(service, "registered_pct")] == pytest.approx(
        round(min(100, values["registered_pct"] + 2), 1))


def test_targets_command(tmp_path):
    from tests.test_docs_and_cli import run_cli

    url = f"sqlite:///{tmp_path}/cli.db"
    assert run_cli("seed-demo", "--services", "3", "--years", "2", database_url=url).returncode == 0
    listed = run_cli("targets", "list", "--service", "DEMO001", database_url=url)
    assert listed.returncode == 0 and "Literature/evidence searches" in listed.stdout
    done = run_cli("targets", "set", "--service", "DEMO001", "--metric", "Enquiries (all)",
                   "--period", "2024/25", "--value", "5000", "--note", "board plan",
                   database_url=url)
    assert done.returncode == 0, done.stderr
    assert "Enquiries (all)" in done.stdout and "5,000" in done.stdout
    db = __import__("dashboard.db", fromlist=["Database"]).Database(url)
    assert targets.targets_for(db, ANONYMOUS, "DEMO001", PeriodRange(
        dt.date(2024, 4, 1), dt.date(2025, 3, 1)))["enquiries_total"] == 5000
    db.dispose()
    gone = run_cli("targets", "delete", "--service", "DEMO001", "--metric", "enquiries_total",
                   "--from", "2024-04", "--to", "2025-03", database_url=url)
    assert gone.returncode == 0 and "removed" in gone.stdout
    again = run_cli("targets", "delete", "--service", "DEMO001", "--metric", "enquiries_total",
                    "--period", "2024", database_url=url)
    assert again.returncode == 1 and "no such target" in again.stderr
    bad = run_cli("targets", "set", "--service", "DEMO001", "--metric", "searches",
                  "--period", "2024/26", "--value", "3", database_url=url)
    assert bad.returncode == 2 and "second year must follow" in bad.stderr
    negative = run_cli("targets", "set", "--service", "DEMO001", "--metric", "searches",
                       "--period", "2024", "--value", "-3", database_url=url)
    assert negative.returncode == 2 and "negative" in negative.stderr
    unknown = run_cli("targets", "set", "--service", "NOPE", "--metric", "searches",
                      "--period", "2024", "--value", "3", database_url=url)
    assert unknown.returncode == 1 and "no service 'NOPE'" in unknown.stderr
    nobody = run_cli("targets", "list", "--service", "NOPE", database_url=url)
    assert nobody.returncode == 1 and "no service 'NOPE'" in nobody.stderr
    both = run_cli("targets", "set", "--service", "DEMO001", "--metric", "searches",
                   "--period", "2024", "--from", "2024-04", "--to", "2025-03", "--value", "3",
                   database_url=url)
    assert both.returncode == 2 and "not both" in both.stderr
    noted = run_cli("targets", "list", "--service", "DEMO001", database_url=url)
    assert "Demo target (synthetic)" in noted.stdout


def test_a_changed_target_changes_the_data_version(tiny_db):
    from dashboard.db.aggregates import data_version

    before = data_version(tiny_db, ANONYMOUS)
    targets.set_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR, 80)
    set_once = data_version(tiny_db, ANONYMOUS)
    targets.set_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR, 90)
    changed = data_version(tiny_db, ANONYMOUS)
    targets.delete_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR)
    removed = data_version(tiny_db, ANONYMOUS)
    assert len({before, set_once, changed}) == 3
    assert removed == before  # the same targets as before: views cached then are right again


def test_absurdly_large_targets_are_refused(tiny_db):
    with pytest.raises(TargetError, match="too large"):
        targets.set_target(tiny_db, ANONYMOUS, "TINY1", "searches", YEAR, 1e300)

"""The import engine: atomic loads, added/replaced/unchanged counts, undo, on both databases."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import func, select

from dashboard.db.access import ANONYMOUS as V
from dashboard.db.imports import import_data, list_batches, undo_import
from dashboard.db.models import ImportBatch, Observation, ReplacedValue, Service, ServiceNeighbour
from dashboard.formatting import plural
from dashboard.importing import OBSERVATION_COLUMNS, DataSourceInfo, ImportData, ImportFailed
from dashboard.importing.checks import (MAD_SCALE, MIN_HISTORY, MIN_RELATIVE_SPREAD,
                                        future_periods as _future_periods,
                                        outlier_stats as _outlier_stats)

D = dt.date


def frame(rows):
    """Build observations from (service, metric, period_start, value[, reason]) tuples."""
    records = []
    for i, row in enumerate(rows):
        service, metric, start, value, *rest = row
        records.append({
            "service": service, "metric": metric, "period_type": "month",
            "period_start": start, "team": "", "value": value,
            "missing_reason": rest[0] if rest else None, "imputed": False, "note": "",
            "source_row": i + 2, "source_column": "value"})
    return pd.DataFrame(records, columns=list(OBSERVATION_COLUMNS))


def data(rows, **kwargs):
    return ImportData(format="shelfmark", observations=frame(rows), filename="test.csv",
                      checksum="abc", **kwargs)


def snapshot(db):
    """Everything stored that an import may change."""
    with db.session() as session:
        obs = sorted(session.execute(select(
            Observation.service_id, Observation.metric_id, Observation.period_start,
            Observation.value, Observation.missing_reason, Observation.batch_id)).all())
        services = sorted(session.scalars(select(Service.code)).all())
        neighbours = session.scalar(select(func.count()).select_from(ServiceNeighbour))
    return obs, services, neighbours


def stored(db, service, metric, start):
    from dashboard.db.models import Metric
    with db.session() as session:
        return session.scalar(
            select(Observation.value).join(Service).join(Metric).where(
                Service.code == service, Metric.code == metric,
                Observation.period_start == start))


def test_add_then_same_again_changes_nothing(tiny_db):
    rows = [("TINY2", "searches", D(2023, 4, 1), 5.0), ("TINY2", "searches", D(2023, 5, 1), 7.0)]
    first = import_data(tiny_db, V, data(rows), created_by="tests")
    assert (first.added, first.replaced, first.unchanged) == (2, 0, 0)
    assert first.batch_id is not None
    before = snapshot(tiny_db)
    batches = len(list_batches(tiny_db, V))
    second = import_data(tiny_db, V, data(rows), created_by="tests")
    assert (second.added, second.replaced, second.unchanged) == (0, 0, 2)
    assert second.batch_id is None and not second.changed
    assert snapshot(tiny_db) == before
    assert len(list_batches(tiny_db, V)) == batches  # no empty batch recorded


def test_replace_and_undo_restores_exactly(tiny_db):
    before = snapshot(tiny_db)
    rows = [("TINY1", "searches", D(2022, 4, 1), 40.0),   # was 4: replaced
            ("TINY1", "searches", D(2022, 5, 1), 5.0),    # same: unchanged
            ("TINY1", "searches", D(2023, 6, 1), 6.0)]    # was missing: added
    result = import_data(tiny_db, V, data(rows), created_by="tests")
    assert (result.added, result.replaced, result.unchanged) == (1, 1, 1)
    assert result.replacements.iloc[0][["old", "new"]].tolist() == [4.0, 40.0]
    assert any("replaced" in w.reason for w in result.warnings)
    assert stored(tiny_db, "TINY1", "searches", D(2022, 4, 1)) == 40.0
    undone = undo_import(tiny_db, V, result.batch_id)
    assert (undone.removed, undone.restored) == (1, 1)
    assert snapshot(tiny_db) == before
    with pytest.raises(ImportFailed, match="already undone"):
        undo_import(tiny_db, V, result.batch_id)
    with pytest.raises(ImportFailed, match="no import batch"):
        undo_import(tiny_db, V, 99999)


def test_dry_run_writes_nothing(tiny_db):
    before = snapshot(tiny_db)
    batches = len(list_batches(tiny_db, V))
    result = import_data(tiny_db, V, data([("TINY1", "searches", D(2022, 4, 1), 99.0)]),
                         created_by="tests", dry_run=True)
    assert (result.added, result.replaced, result.batch_id, result.dry_run) == (0, 1, None, True)
    assert snapshot(tiny_db) == before and len(list_batches(tiny_db, V)) == batches


def test_unknown_service_needs_permission_and_undo_removes_created(tiny_db):
    rows = [("NEW1", "searches", D(2023, 4, 1), 3.0)]
    before = snapshot(tiny_db)
    with pytest.raises(ImportFailed, match="NEW1.*create-services"):
        import_data(tiny_db, V, data(rows), created_by="tests")
    assert snapshot(tiny_db) == before
    result = import_data(tiny_db, V, data(rows), created_by="tests", create_services=True)
    assert result.services_created == ["NEW1"] and result.added == 1
    undo_import(tiny_db, V, result.batch_id)
    assert snapshot(tiny_db) == before


def test_undo_refuses_when_a_later_import_changed_the_figures(tiny_db):
    first = import_data(tiny_db, V, data([("TINY2", "searches", D(2023, 4, 1), 5.0)]),
                        created_by="tests")
    second = import_data(tiny_db, V, data([("TINY2", "searches", D(2023, 4, 1), 6.0)]),
                         created_by="tests")
    with pytest.raises(ImportFailed, match=f"batch {second.batch_id}"):
        undo_import(tiny_db, V, first.batch_id)
    undo_import(tiny_db, V, second.batch_id)
    assert stored(tiny_db, "TINY2", "searches", D(2023, 4, 1)) == 5.0
    undo_import(tiny_db, V, first.batch_id)
    assert stored(tiny_db, "TINY2", "searches", D(2023, 4, 1)) is None


def test_missing_values_keep_their_reason(tiny_db):
    result = import_data(tiny_db, V, data([("TINY2", "visits", D(2023, 4, 1), float("nan"),
                                            "suppressed")]), created_by="tests")
    assert result.added == 1
    with tiny_db.session() as session:
        row = session.execute(select(Observation.value, Observation.missing_reason).where(
            Observation.batch_id == result.batch_id)).one()
    assert row == (None, "suppressed")


def test_published_return_creates_services_sources_and_neighbours(empty_db):
    services = pd.DataFrame([
        {"code": "A1", "name": "Alpha", "sector": "public", "org_type": None, "region": "North",
         "parent_org": None, "population": 1000.0, "population_unit": "people",
         "attributes": {"state": "AK"}},
        {"code": "B1", "name": "Beta", "sector": "public", "org_type": None, "region": "North",
         "parent_org": None, "population": 2000.0, "population_unit": "people",
         "attributes": {}},
    ])
    neighbours = pd.DataFrame([{"service": "A1", "neighbour": "B1", "rank": 1, "source": "t"},
                               {"service": "A1", "neighbour": "ZZ", "rank": 2, "source": "t"}])
    source = DataSourceInfo(code="pub", name="Published", public=True)
    rows = [("A1", "visits", D(2022, 7, 1), 10.0), ("B1", "visits", D(2022, 7, 1), 20.0)]
    result = import_data(empty_db, V, data(rows, services=services, source=source,
                                           neighbours=neighbours), created_by="tests")
    assert sorted(result.services_created) == ["A1", "B1"]
    assert result.neighbours_added == 1  # the pair with an unknown service is dropped
    with empty_db.session() as session:
        alpha = session.scalars(select(Service).where(Service.code == "A1")).one()
        assert alpha.attributes == {"state": "AK"} and alpha.source.public
    undo_import(empty_db, V, result.batch_id)
    assert snapshot(empty_db) == ([], [], 0)


def test_outliers_are_warned_not_blocked(tiny_db):
    # TINY1 searches run 1..12 a month; 500 is far outside that history.
    result = import_data(tiny_db, V, data([("TINY1", "searches", D(2024, 4, 1), 500.0)]),
                         created_by="tests")
    assert result.added == 1
    outliers = [w for w in result.warnings if "far outside" in w.reason]
    assert outliers and outliers[0].row == 2 and outliers[0].severity == "warning"
    # Importing the same figure again warns about nothing: it is already stored as it is.
    again = import_data(tiny_db, V, data([("TINY1", "searches", D(2024, 4, 1), 500.0)]),
                        created_by="tests")
    assert again.unchanged == 1
    assert [w for w in again.warnings if "far outside" in w.reason] == []


def test_small_swings_in_a_steady_series_are_not_outliers(tiny_db):
    # searches run 1..12 (median 6.5): 8 is an ordinary month, not an outlier.
    result = import_data(tiny_db, V, data([("TINY1", "searches", D(2024, 4, 1), 8.0)]),
                         created_by="tests")
    assert [w for w in result.warnings if "far outside" in w.reason] == []


def test_batch_records_provenance(tiny_db):
    result = import_data(tiny_db, V, data([("TINY2", "loans", D(2023, 4, 1), 1.0)]),
                         created_by="alice")
    with tiny_db.session() as session:
        batch = session.get(ImportBatch, result.batch_id)
        assert (batch.created_by, batch.filename, batch.checksum, batch.format) == (
            "alice", "test.csv", "abc", "shelfmark")
        assert (batch.rows_read, batch.rows_added) == (1, 1)
        assert session.scalar(select(func.count()).select_from(ReplacedValue)) == 0


# --- the outlier check, vectorised -------------------------------------------------------------

def _outlier_stats_per_series(history: pd.DataFrame) -> pd.DataFrame:
    """The check as it was first written (one Python call per series): the reference."""
    stats = history.groupby(["service_id", "metric_id", "period_type"])["value"].agg(
        median="median", mad=lambda v: MAD_SCALE * (v - v.median()).abs().median(), n="count")
    stats = stats[(stats["n"] >= MIN_HISTORY) & (stats["mad"] > 0)]
    stats["spread"] = stats["mad"].where(
        stats["mad"] > MIN_RELATIVE_SPREAD * stats["median"].abs(),
        MIN_RELATIVE_SPREAD * stats["median"].abs())
    return stats[stats["spread"] > 0].drop(columns="n")


SERIES_VALUES = st.one_of(
    st.integers(-3, 3).map(float),                    # ties, zeros and constant runs
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    st.floats(0, 1e-6, allow_nan=False),              # tiny spreads
)
HISTORY_ROWS = st.lists(st.tuples(st.integers(1, 3), st.integers(1, 2),
                                  st.sampled_from(["month", "quarter", "year"]), SERIES_VALUES),
                        max_size=120)


@settings(max_examples=300, deadline=None)
@given(rows=HISTORY_ROWS, constant=st.lists(st.integers(1, 3), max_size=3))
def test_vectorised_outlier_stats_equal_the_per_series_rule(rows, constant):
    # Some series made long and constant (skipped), the rest as drawn (short ones skipped).
    rows = rows + [(s, 2, "month", 5.0) for s in constant for _ in range(MIN_HISTORY)]
    history = pd.DataFrame(rows, columns=["service_id", "metric_id", "period_type", "value"])
    pd.testing.assert_frame_equal(_outlier_stats(history), _outlier_stats_per_series(history),
                                  check_exact=True)


def test_vectorised_outlier_stats_equal_the_per_series_rule_on_random_frames():
    rng = np.random.default_rng(20240401)
    for _ in range(50):
        n = int(rng.integers(1, 3000))
        history = pd.DataFrame({
            "service_id": rng.integers(1, 60, n), "metric_id": rng.integers(1, 4, n),
            "period_type": rng.choice(["month", "quarter", "year"], n),
            "value": np.where(rng.random(n) < 0.3, rng.integers(0, 4, n),
                              rng.lognormal(5, 2, n)),
        }).sample(frac=1, random_state=int(rng.integers(1 << 31)))
        pd.testing.assert_frame_equal(_outlier_stats(history),
                                      _outlier_stats_per_series(history), check_exact=True)


def test_outlier_stats_take_no_python_call_per_series():
    # A national return re-imported: 300,000 stored series of one value each. One Python call
    # per series took about a minute; the vectorised check takes well under a second.
    n = 300_000
    history = pd.DataFrame({"service_id": np.arange(n) // 3, "metric_id": np.arange(n) % 3,
                            "period_type": "year", "value": np.arange(n, dtype=float)})
    started = time.perf_counter()
    assert _outlier_stats(history).empty
    assert time.perf_counter() - started < 10


def test_reimporting_an_unchanged_file_still_warns_only_about_new_outliers(tiny_db):
    # The vectorised check inside an import: TINY1 searches run 1..12 (24 months stored).
    rows = [("TINY1", "searches", D(2024, 4, 1), 500.0), ("TINY1", "searches", D(2024, 5, 1), 6.0)]
    first = import_data(tiny_db, V, data(rows), created_by="tests")
    assert [w.row for w in first.warnings if "far outside" in w.reason] == [2]
    again = import_data(tiny_db, V, data(rows), created_by="tests")
    assert again.unchanged == 2 and not [w for w in again.warnings if "far outside" in w.reason]


# --- figures for periods after this month --------------------------------------------------------

def test_figures_for_later_months_are_warned_not_blocked(tiny_db):
    rows = [("TINY2", "searches", D(2024, 4, 1), 5.0), ("TINY2", "searches", D(2090, 4, 1), 6.0),
            ("TINY2", "loans", D(2090, 5, 1), 7.0)]
    result = import_data(tiny_db, V, data(rows), created_by="tests")
    assert result.added == 3 and result.batch_id is not None
    (warning,) = [w for w in result.warnings if "after this month" in w.reason]
    assert warning.severity == "warning" and warning.row == 3
    assert warning.reason == ("2 figures are for periods after this month (first: service "
                              "TINY2, metric searches, 2090-04); check the dates")


def test_this_month_is_not_later_and_next_month_is():
    obs = frame([("A", "searches", D(2026, 11, 1), 1.0), ("A", "searches", D(2026, 10, 1), 1.0)])
    assert _future_periods(obs, today=D(2026, 11, 30)) == []
    (warning,) = _future_periods(obs, today=D(2026, 10, 31))
    assert warning.reason.startswith("1 figure is for a period after this month (first: "
                                     "service A, metric searches, 2026-11)")
    assert _future_periods(frame([]), today=D(2026, 1, 1)) == []


# --- wording -------------------------------------------------------------------------------------

def test_plural():
    assert [plural(n, "figure") for n in (0, 1, 2, 1234)] == [
        "0 figures", "1 figure", "2 figures", "1,234 figures"]
    assert plural(1, "value was", "values were") == "1 value was"
    assert plural(3, "value was", "values were") == "3 values were"


def test_summaries_read_naturally_in_the_singular_and_for_dry_runs(tiny_db):
    one = [("TINY1", "searches", D(2022, 4, 1), 40.0)]  # replaces the stored 4
    dry = import_data(tiny_db, V, data(one), created_by="tests", dry_run=True)
    assert dry.summary() == "1 row read: would add 0, replace 1 and leave 0 unchanged"
    assert "1 stored value would be replaced (old → new listed below); undoing the import " \
        "would restore it." in [w.reason for w in dry.warnings]
    done = import_data(tiny_db, V, data(one), created_by="tests")
    assert done.summary() == "1 row read: added 0, replaced 1, unchanged 0"
    assert "1 stored value was replaced (old → new listed below); undoing this import " \
        "restores it." in [w.reason for w in done.warnings]
    created = import_data(tiny_db, V, data([("NEW1", "searches", D(2023, 4, 1), 3.0)]),
                          created_by="tests", create_services=True, dry_run=True)
    assert created.summary().endswith("; would create 1 new service")
    undone = undo_import(tiny_db, V, done.batch_id)
    assert undone.summary() == f"Undid batch {done.batch_id}: removed 0 figures, restored 1 " \
        "replaced value."


def test_undo_counts_the_neighbour_links_it_removes(empty_db):
    services = pd.DataFrame([{"code": code, "name": code, "sector": "public", "org_type": None,
                              "region": None, "parent_org": None, "population": None,
                              "population_unit": None, "attributes": {}}
                             for code in ("A1", "B1", "C1")])
    neighbours = pd.DataFrame([{"service": "A1", "neighbour": n, "rank": r, "source": "t"}
                               for r, n in enumerate(("B1", "C1"), 1)])
    result = import_data(empty_db, V, data(
        [("A1", "visits", D(2022, 7, 1), 10.0)], services=services,
        source=DataSourceInfo(code="pub", name="Published", public=True),
        neighbours=neighbours), created_by="tests")
    assert result.summary().endswith("; 3 new services; 2 neighbour links")
    undone = undo_import(empty_db, V, result.batch_id)
    assert undone.neighbours_removed == 2
    assert undone.summary() == (f"Undid batch {result.batch_id}: removed 1 figure, restored 0 "
                                "replaced values, removed 3 services, removed 2 neighbour links, "
                                "removed 1 data source.")


# --- unknown service codes -----------------------------------------------------------------------

def test_unknown_service_suggests_close_codes(tiny_db):
    with pytest.raises(ImportFailed) as failed:
        import_data(tiny_db, V, data([("TINY01", "searches", D(2023, 4, 1), 3.0),
                                      ("ZZZZZZZZ", "searches", D(2023, 4, 1), 3.0)]),
                    created_by="tests")
    reasons = {p.value: p.reason for p in failed.value.problems}
    assert reasons["TINY01"].startswith("'TINY01' is not a known service; did you mean 'TINY1'")
    assert "create-services" in reasons["TINY01"]
    assert reasons["ZZZZZZZZ"] == ("'ZZZZZZZZ' is not a known service; check the code, or "
                                   "import with --create-services to add it")

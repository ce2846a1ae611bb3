"""The import engine: atomic loads, added/replaced/unchanged counts, undo, on both databases."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.importing import DataSourceInfo, ImportData, ImportFailed, OBSERVATION_COLUMNS
from dashboard.importing.engine import import_data, list_batches, undo_import
from dashboard.models import ImportBatch, Observation, ReplacedValue, Service, ServiceNeighbour
from dashboard.queries import ANONYMOUS as V

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
    from dashboard.models import Metric
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

"""Define the database schema: services, the metric catalogue, observations and import batches."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, func, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SECTORS = ("nhs", "academic", "public", "other")
NHS_ORG_TYPES = ("acute", "mental health", "community", "ambulance", "integrated", "other")
CATEGORIES = ("staffing", "finance", "activity", "impact", "context")
UNITS = ("wte", "headcount", "count", "currency", "percent", "hours")
AGGREGATIONS = ("sum", "latest", "mean")
PERIOD_TYPES = ("month", "quarter", "year")


class Base(DeclarativeBase):
    """Declarative base for every Shelfmark table."""

    type_annotation_map = {dict[str, Any]: JSON}


class DataSource(Base):
    """Where a set of services and figures comes from, and whether names may be shown."""

    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    licence: Mapped[str] = mapped_column(String(200), default="")
    # The import (or demo seed) that created the source: undoing it removes the source again.
    created_batch_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("import_batch.id", name="fk_data_source_created_batch", use_alter=True))

    services: Mapped[list["Service"]] = relationship(back_populates="source")


class Service(Base):
    """A library and knowledge service, the unit every figure belongs to."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    sector: Mapped[str] = mapped_column(String(20), index=True)
    org_type: Mapped[Optional[str]] = mapped_column(String(40))
    region: Mapped[Optional[str]] = mapped_column(String(100), index=True)
    parent_org: Mapped[Optional[str]] = mapped_column(String(300))
    population: Mapped[Optional[float]] = mapped_column(Float)
    population_unit: Mapped[Optional[str]] = mapped_column(String(60))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_id: Mapped[int] = mapped_column(ForeignKey("data_source.id"), index=True)
    # The import that created the service (undoing it removes the service again).
    created_batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_batch.id"))

    source: Mapped[DataSource] = relationship(back_populates="services")


class Metric(Base):
    """One measure of the catalogue as stored; derived metrics are never stored."""

    __tablename__ = "metric"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))
    aggregation: Mapped[str] = mapped_column(String(10))
    higher_is_better: Mapped[Optional[bool]] = mapped_column(Boolean)
    definition: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    currency: Mapped[Optional[str]] = mapped_column(String(3))
    sectors: Mapped[str] = mapped_column(String(100), default="")


class ImportBatch(Base):
    """Provenance of a load of figures: who, when, which file and how many rows."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(500), default="")
    checksum: Mapped[str] = mapped_column(String(64), default="")
    source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("data_source.id"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_replaced: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="committed")  # or "undone"
    note: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(20), default="", server_default="")
    undone_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime(timezone=True))


class Observation(Base):
    """One figure: service x metric x period (x team). Missing is a NULL value with a reason."""

    __tablename__ = "observation"
    __table_args__ = (
        UniqueConstraint(
            "service_id", "metric_id", "period_type", "period_start", "team",
            name="uq_observation_cell",
        ),
        # Cross-service reads (benchmarking, national totals) go metric-first.
        Index("ix_observation_metric_period", "metric_id", "period_type", "period_start"),
        Index("ix_observation_batch", "batch_id"),
        # What a service reports (measures, period types, first and last month): read from
        # this index alone, without visiting the table (dashboard.db.services.service_summary).
        Index("ix_observation_reported", "service_id", "metric_id", "period_type",
              "period_start", sqlite_where=text("value IS NOT NULL"),
              postgresql_where=text("value IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    period_type: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[dt.date] = mapped_column(Date)
    # "" means the whole service; a team name when figures are kept per team.
    team: Mapped[str] = mapped_column(String(100), default="")
    value: Mapped[Optional[float]] = mapped_column(Float)
    missing_reason: Mapped[Optional[str]] = mapped_column(String(40))
    imputed: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"))



class ServiceCoverage(Base):
    """Which measures a service reports, at which period types, from which month to which:
    derived from its figures and kept by dashboard.db.coverage whenever figures are written."""

    __tablename__ = "service_coverage"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"),
                                            primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"), primary_key=True)
    period_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    first_start: Mapped[dt.date] = mapped_column(Date)  # the first and last month starting
    last_start: Mapped[dt.date] = mapped_column(Date)  # a figure with a value

class ReplacedValue(Base):
    """A stored figure as it was before an import replaced it, so the import can be undone."""

    __tablename__ = "replaced_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id"), index=True)
    old_value: Mapped[Optional[float]] = mapped_column(Float)
    old_missing_reason: Mapped[Optional[str]] = mapped_column(String(40))
    old_imputed: Mapped[bool] = mapped_column(Boolean, default=False)
    old_batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"))


class ServiceNeighbour(Base):
    """A ranked "similar service" of another, as published (e.g. nearest statistical neighbours)."""

    __tablename__ = "service_neighbour"
    __table_args__ = (
        UniqueConstraint("service_id", "neighbour_id", "source", name="uq_service_neighbour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    rank: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), index=True)


class PeerGroupRecord(Base):
    """A saved, named peer-group definition (the JSON of
    dashboard.benchmarking.definition.to_json)."""

    __tablename__ = "peer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    definition: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Target(Base):
    """A service's target for a measure over a period (usually a financial year).

    Stored by catalogue code, so derived measures (a cost per search, a staff ratio) can have
    targets too. A target applies to a view whose period is exactly its period.
    """

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("service_id", "metric_code", "period_start", "period_end",
                         name="uq_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"),
                                            index=True)
    metric_code: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[dt.date] = mapped_column(Date)   # first month
    period_end: Mapped[dt.date] = mapped_column(Date)     # last month (inclusive)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_by: Mapped[str] = mapped_column(String(200), default="")

"""Describe each dashboard page (Statistics Toolbox templates) and assemble its data.

A page is a list of headline KPIs and a list of panels; `build_view` reads the service and then
every aggregate the page shows (two SQL statements) and returns plain data that layouts and
exports render.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import pandas as pd

from .catalogue import CATALOGUE, Catalogue
from .compute import Kpi, derived_values, kpis_from_values
from .db.aggregates import Read, aggregate_reads
from .db.services import ServiceInfo, first_service_code, service_summary
from .periods import (GRANULARITY_LABELS, MONTHS_IN, PeriodRange, add_months, bucket_start,
                      period_label)
from .settings import Config
from .state import ViewState, resolve_period, unknown_service_note

SPARK_MONTHS = 60


@dataclass(frozen=True)
class Panel:
    """One chart on a page: a trend over time or a breakdown of the period's total."""

    key: str
    kind: str  # trend | stacked | breakdown | shares | ratio
    title: str
    metrics: tuple[str, ...]
    category: str
    description: str = ""
    parts_of_whole: bool = False  # breakdowns: show each part's share of the total
    min_granularity: str = "month"  # trends: the finest grouping worth showing


@dataclass(frozen=True)
class PageSpec:
    """A dashboard page: its headline KPIs and panels, per the Statistics Toolbox template."""

    key: str
    title: str
    path: str
    category: str | None
    intro: str
    kpis: tuple[str, ...]
    panels: tuple[Panel, ...]


def _nhs_pages() -> dict[str, PageSpec]:
    staff_band = Panel("staff-by-band", "breakdown", "Staff by band", (
        "staff_qualified_wte", "staff_para_wte"), "staffing",
        "WTE at the end of the period, professional (bands 5–8) and para-professional (1–4).",
        parts_of_whole=True)
    spend_by_cat = Panel("expenditure-by-category", "breakdown", "Expenditure by category", (
        "exp_staff", "exp_eresources", "exp_print", "exp_document_supply", "exp_other"),
        "finance", "Spend in the period by category, with each category's share of the total.",
        parts_of_whole=True)
    enquiries_by_type = Panel("enquiries-by-type", "breakdown", "Enquiries by type", (
        "enquiries_procedural", "enquiries_information"), "activity",
        "Enquiries answered in the period, with each type's share of all enquiries.",
        parts_of_whole=True)
    training_by_group = Panel(
        "training-by-staff-group", "breakdown", "People trained by staff group", (
            "trained_medical", "trained_nursing", "trained_ahp", "trained_other_staff"),
        "activity", "Attendances at user education and induction, by the learner's staff group.",
        parts_of_whole=True)
    impact_shares = Panel("impact-shares", "shares", "Reported impact", (
        "impact_patient_care_pct", "impact_decision_making_pct", "impact_time_saved_pct",
        "impact_learning_pct"), "impact",
        "Share of impact questionnaire respondents reporting each kind of impact.")
    activity_trend = Panel("activity-trend", "trend", "Evidence searches and training", (
        "searches", "trained_total"), "activity",
        "Literature/evidence searches completed and people trained (user education plus "
        "induction).")
    enquiries_trend = Panel("enquiries-trend", "stacked", "Enquiries", (
        "enquiries_procedural", "enquiries_information"), "activity",
        "Enquiries per period, stacked by type.")
    return {
        "overview": PageSpec(
            "overview", "Overview", "/", None,
            "Headline figures for the service, against the same period a year earlier.",
            ("staff_total_wte", "qualified_ratio", "exp_total", "cost_per_search", "searches",
             "enquiries_total", "trained_total", "registered_pct", "eresource_sessions",
             "impact_patient_care_pct"),
            (activity_trend, staff_band, spend_by_cat, enquiries_by_type, impact_shares),
        ),
        "staffing": PageSpec(
            "staffing", "Staffing", "/staffing", "staffing",
            "Who runs the service: staff in post by band, vacancies and the qualified staff "
            "ratio against the national benchmark.",
            ("staff_total_wte", "staff_qualified_wte", "staff_para_wte", "staff_headcount",
             "staff_vacancies_wte", "qualified_ratio"),
            (
                Panel("staff-trend", "stacked", "Staff in post by band", (
                    "staff_qualified_wte", "staff_para_wte"), "staffing",
                    "WTE in post, professional and para-professional."),
                Panel("qualified-ratio-trend", "ratio", "Qualified staff ratio", (
                    "qualified_ratio",), "staffing",
                    "Organisation WTE served per qualified LKS WTE. Lower is better; the dashed "
                    "line is the national benchmark of 1:1,250."),
                staff_band,
                Panel("vacancies-trend", "trend", "Vacancies", ("staff_vacancies_wte",),
                      "staffing", "Vacant funded posts, WTE."),
            ),
        ),
        "finance": PageSpec(
            "finance", "Finance", "/finance", "finance",
            "Where the money comes from and where it goes, and what it buys.",
            ("exp_total", "income_total", "exp_staff", "exp_eresources", "cost_per_search",
             "exp_per_wte_served"),
            (
                Panel("expenditure-trend", "stacked", "Expenditure by category", (
                    "exp_staff", "exp_eresources", "exp_print", "exp_document_supply",
                    "exp_other"), "finance", "Spend per period, stacked by category."),
                spend_by_cat,
                Panel("income-by-source", "breakdown", "Income by source", (
                    "income_organisation", "income_national", "income_other"), "finance",
                    "Income in the period by source.", parts_of_whole=True),
                Panel("income-vs-expenditure", "trend", "Income and expenditure", (
                    "income_total", "exp_total"), "finance",
                    "Total income against total expenditure per period."),
            ),
        ),
        "activity": PageSpec(
            "activity", "Activity", "/activity", "activity",
            "What the service does: enquiries, searches, training, document supply and use "
            "of resources.",
            ("registered_users", "registered_pct", "enquiries_total", "searches", "trained_total",
             "eresource_sessions", "openathens_active", "docsupply_received"),
            (
                activity_trend,
                enquiries_trend,
                enquiries_by_type,
                training_by_group,
                Panel("training-by-type", "breakdown", "People trained by type", (
                    "trained_user_education", "trained_induction"), "activity",
                    "User education and induction attendances.", parts_of_whole=True),
                Panel("document-supply", "breakdown", "Document supply", (
                    "docsupply_supplied", "docsupply_received"), "activity",
                    "Items supplied to other libraries and received for users."),
                Panel("activity-per-1000", "breakdown", "Activity per 1,000 WTE served", (
                    "searches_per_1000", "enquiries_per_1000", "trained_per_1000"), "activity",
                    "Activity scaled by the size of the organisation served."),
                Panel("eresources-trend", "trend", "E-resource use", (
                    "eresource_sessions",), "activity", "Sessions on licensed e-resources."),
            ),
        ),
        "impact": PageSpec(
            "impact", "Impact", "/impact", "impact",
            "What difference the service makes, from the impact questionnaire.",
            ("impact_responses", "impact_patient_care_pct", "impact_decision_making_pct",
             "impact_time_saved_pct", "impact_learning_pct"),
            (
                impact_shares,
                Panel("impact-trend", "trend", "Reported impact over time", (
                    "impact_patient_care_pct", "impact_decision_making_pct",
                    "impact_time_saved_pct", "impact_learning_pct"), "impact",
                    "Share of respondents reporting each impact, per period.",
                    min_granularity="quarter"),
                Panel("responses-trend", "trend", "Questionnaire responses", (
                    "impact_responses",), "impact", "Completed impact questionnaires."),
            ),
        ),
    }


def _public_pages() -> dict[str, PageSpec]:
    return {
        "overview": PageSpec(
            "overview", "Overview", "/", None,
            "Headline figures for the library system, against the year before.",
            ("pls_total_staff_fte", "pls_exp_total_operating", "visits", "pls_circulation",
             "loans", "ace_active_users", "pls_programme_attendance", "ace_events",
             "pls_visits_per_capita"),
            (
                Panel("visits-trend", "trend", "Visits and loans", (
                    "visits", "pls_circulation", "loans"), "activity",
                    "Visits to libraries and items lent."),
                Panel("pls-exp-by-category", "breakdown", "Operating expenditure", (
                    "pls_exp_staff", "pls_exp_collection", "pls_exp_other_operating"),
                    "finance", "Operating expenditure by category.", parts_of_whole=True),
                Panel("pls-income-by-source", "breakdown", "Income by source", (
                    "pls_income_local", "pls_income_state", "pls_income_federal",
                    "pls_income_other"), "finance", "Operating revenue by source.", parts_of_whole=True),
            ),
        ),
        "staffing": PageSpec(
            "staffing", "Staffing", "/staffing", "staffing", "Paid staff (FTE).",
            ("pls_total_staff_fte", "pls_librarians_fte", "pls_mls_librarians_fte",
             "pls_other_staff_fte"),
            (Panel("pls-staff", "breakdown", "Staff by type", (
                "pls_librarians_fte", "pls_other_staff_fte"), "staffing", "Paid FTE staff.", parts_of_whole=True),),
        ),
        "finance": PageSpec(
            "finance", "Finance", "/finance", "finance", "Operating revenue and expenditure.",
            ("pls_income_total", "pls_exp_total_operating", "pls_exp_collection",
             "pls_exp_per_capita"),
            (
                Panel("pls-income-by-source", "breakdown", "Income by source", (
                    "pls_income_local", "pls_income_state", "pls_income_federal",
                    "pls_income_other"), "finance", "Operating revenue by source.", parts_of_whole=True),
                Panel("pls-collection", "breakdown", "Collection expenditure", (
                    "pls_exp_print", "pls_exp_electronic", "pls_exp_other_materials"),
                    "finance", "Spend on collections by format.", parts_of_whole=True),
            ),
        ),
        "activity": PageSpec(
            "activity", "Activity", "/activity", "activity", "Use of the library system.",
            ("visits", "pls_circulation", "loans", "pls_reference", "pls_registered_borrowers",
             "ace_active_users", "pls_programmes", "ace_events", "pls_programme_attendance",
             "ace_event_attendance"),
            (
                Panel("pls-use", "breakdown", "Use of the library", (
                    "visits", "pls_circulation", "pls_reference", "pls_computer_sessions"),
                    "activity", "Visits, loans, reference and computer use."),
                Panel("ace-use-trend", "trend", "Visits and loans", ("visits", "loans"),
                      "activity", "Visits to libraries and items lent, over time."),
                Panel("ace-events-trend", "trend", "Events and attendance", (
                    "ace_events", "ace_event_attendance"), "activity",
                    "Events and activities held, and attendances at them."),
                Panel("ace-digital-trend", "trend", "Public computer hours", (
                    "ace_computer_hours",), "activity", "Hours of public computer use."),
                Panel("ace-wifi-trend", "trend", "Wi-Fi sessions", ("ace_wifi_sessions",),
                      "activity", "Public Wi-Fi sessions."),
                Panel("pls-ill", "breakdown", "Interlibrary loans", (
                    "pls_ill_provided", "pls_ill_received"), "activity",
                    "Items provided to and received from other libraries."),
            ),
        ),
        "impact": PageSpec(
            "impact", "Impact", "/impact", "impact",
            "The Public Libraries Survey collects no impact measures.", (), (),
        ),
    }


PAGES_BY_SECTOR: dict[str, dict[str, PageSpec]] = {
    "nhs": _nhs_pages(),
    "public": _public_pages(),
}
PAGE_ORDER = ("overview", "staffing", "finance", "activity", "impact")
# The executive view: a handful of headline figures for a board paper (no panels of its own;
# dashboard.executive adds targets, peers and captions). Not in the navigation's page order.
EXECUTIVE_KPIS = {
    "nhs": ("searches", "enquiries_total", "trained_total", "eresource_sessions",
            "registered_pct", "impact_patient_care_pct", "exp_total", "qualified_ratio"),
    "public": ("visits", "pls_circulation", "loans", "pls_programme_attendance",
               "pls_registered_borrowers", "ace_active_users", "pls_exp_total_operating",
               "pls_total_staff_fte"),
}
for _sector, _codes in EXECUTIVE_KPIS.items():
    PAGES_BY_SECTOR[_sector]["executive"] = PageSpec(
        "executive", "Executive summary", "/executive", None,
        "The headline figures for a board paper: each against last year, its target and "
        "similar services.", _codes, ())


def page_spec(page_key: str, sector: str | None) -> PageSpec:
    """Return the page template for a sector (NHS templates serve other sectors too)."""
    pages = PAGES_BY_SECTOR.get(sector or "nhs", PAGES_BY_SECTOR["nhs"])
    return pages[page_key]


class Point(NamedTuple):
    """One figure of a panel or sparkline: a metric's value in a bucket (None for a period
    total), with the share of the bucket's periods reported and the labels shown."""

    metric: str
    bucket: dt.date | None
    value: float
    coverage: float
    period: str
    label: str


SERIES_COLUMNS = ("metric", "bucket", "value", "coverage", "period", "label")  # trends, sparks
TOTAL_COLUMNS = ("metric", "bucket", "value", "coverage", "label", "period")  # breakdowns
_DTYPES = {"metric": "str", "bucket": object, "value": "float64", "coverage": "float64",
           "period": "str", "label": "str"}


def points_frame(points: list[Point], columns=SERIES_COLUMNS) -> pd.DataFrame:
    """Return points as a DataFrame (for exports and other readers; pages draw the points)."""
    return pd.DataFrame({name: pd.Series([getattr(p, name) for p in points],
                                         dtype=_DTYPES[name]) for name in columns},
                        columns=list(columns))


def frame_points(frame: pd.DataFrame) -> list[Point]:
    """Return the points of a frame with the columns of points_frame."""
    if frame.empty:
        return []
    return [Point(m, None if b is None or b is pd.NaT or (isinstance(b, float) and b != b)
                  else b, float(v), float(c), p, lab)
            for m, b, v, c, p, lab in zip(frame["metric"], frame["bucket"], frame["value"],
                                          frame["coverage"], frame["period"], frame["label"])]


class KpiView:
    """A KPI with the metric it measures and its sparkline series.

    `points` holds the sparkline, which the tile draws; `spark` is the same as a DataFrame
    (metric, bucket, value, coverage, period, label), built on first use. Setting `spark`
    sets the points from it too.
    """

    def __init__(self, kpi: Kpi, metric, spark: pd.DataFrame | None = None,
                 points: list[Point] | None = None):
        self.kpi = kpi
        self.metric = metric
        self.points = list(points or ())
        self._spark = None
        if spark is not None:
            self.spark = spark

    @property
    def spark(self) -> pd.DataFrame:
        if self._spark is None:
            self._spark = points_frame(self.points, SERIES_COLUMNS)
        return self._spark

    @spark.setter
    def spark(self, frame: pd.DataFrame) -> None:
        self._spark = frame
        self.points = frame_points(frame)

    def __repr__(self) -> str:
        return f"KpiView({self.kpi!r}, {len(self.points)} points)"


class PanelData:
    """The data behind one panel, ready to be drawn or exported.

    `points` holds the figures, which the panel's chart draws; `frame` is the same as a
    DataFrame (metric, bucket, value, coverage and the labels period and label), built on
    first use. Setting `frame` sets the points from it too. `periods` lists every bucket of a
    trend, gaps included.
    """

    def __init__(self, panel: Panel, title: str, frame: pd.DataFrame | None = None,
                 granularity: str = "month", empty_message: str | None = None,
                 notes: list[str] | None = None, periods: list[str] | None = None,
                 points: list[Point] | None = None):
        self.panel = panel
        self.title = title
        self.granularity = granularity
        self.empty_message = empty_message
        self.notes = list(notes or [])
        self.periods = list(periods or [])
        self.points = list(points or ())
        self._frame = None
        if frame is not None:
            self.frame = frame

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            totals = self.panel.kind in ("breakdown", "shares")
            self._frame = points_frame(self.points, TOTAL_COLUMNS if totals else SERIES_COLUMNS)
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self.points = frame_points(frame)

    def __repr__(self) -> str:
        return f"PanelData({self.panel.key!r}, {self.title!r}, {len(self.points)} points)"


@dataclass
class DashboardView:
    """Everything one page shows for one state."""

    page: PageSpec
    state: ViewState
    service: ServiceInfo | None
    fy_start_month: int
    extent: tuple[dt.date, dt.date] | None
    kpis: list[KpiView] = field(default_factory=list)
    panels: list[PanelData] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    empty_message: str | None = None

    @property
    def period_label(self) -> str:
        period = self.state.period
        return period.label(self.fy_start_month) if period else ""

    @property
    def comparison_period(self) -> PeriodRange | None:
        period = self.state.period
        return comparison_period(period) if period else None

    @property
    def comparison_label(self) -> str:
        earlier = self.comparison_period
        return earlier.label(self.fy_start_month) if earlier else ""


@functools.lru_cache(maxsize=1024)
def comparison_period(period: PeriodRange) -> PeriodRange:
    """Return the period a period is compared with (see comparison_shift)."""
    return period.shifted(-comparison_shift(period))


def comparison_shift(period: PeriodRange) -> int:
    """Return how many months back the comparison period starts.

    The same period a year earlier; a period longer than a year is compared with the
    whole years just before it, so the two never overlap.
    """
    return 12 * max(1, -(-period.months // 12))


@functools.lru_cache(maxsize=1024)
def bucket_starts(period: PeriodRange, granularity: str, fy_start: int) -> tuple[dt.date, ...]:
    """List the start of every month, quarter or financial year that the period touches."""
    step = MONTHS_IN[granularity]
    current = bucket_start(period.start, granularity, fy_start)
    starts = []
    while current <= period.end:
        starts.append(current)
        current = add_months(current, step)
    return tuple(starts)


@functools.lru_cache(maxsize=1024)
def bucket_labels(period: PeriodRange, granularity: str, fy_start: int) -> tuple[str, ...]:
    """Label every bucket the period touches (a trend's axis, gaps included)."""
    return tuple(period_label(b, granularity, fy_start)
                 for b in bucket_starts(period, granularity, fy_start))


def history_months(period: PeriodRange, granularity: str, fy_start: int) -> PeriodRange:
    """Return the months the sparklines show: the last five years to the end of the period,
    in whole buckets, reaching back to the start of a period that starts a bucket."""
    spark_start = bucket_start(add_months(period.end, -(SPARK_MONTHS - 1)), granularity,
                               fy_start)
    if starts_bucket(period, granularity, fy_start):
        spark_start = min(spark_start, period.start)
    return PeriodRange(spark_start, period.end)


def starts_bucket(period: PeriodRange, granularity: str, fy_start: int) -> bool:
    """Return whether the period starts on a month, quarter or financial-year boundary."""
    return bucket_start(period.start, granularity, fy_start) == period.start


def panel_granularity(panel: Panel, granularity: str, finest: str) -> str:
    """Return the granularity a panel is drawn at: the chosen one, or coarser where the panel
    needs bigger samples or the figures are stored only by quarter or year."""
    return max(granularity, panel.min_granularity, finest, key=MONTHS_IN.get)


def page_reads(kpi_codes, panels: list[tuple[Panel, str]], period: PeriodRange,
               granularity: str, fy_start: int,
               catalogue: Catalogue = CATALOGUE) -> list[Read]:
    """List the aggregates a page reads to show its KPIs and panels, and nothing more.

    In order: the period's totals (KPIs and breakdowns), the comparison period's totals
    (KPIs), the sparklines' history at the chosen granularity (KPIs), then for each
    granularity trends are drawn at, the period's buckets of the trends' metrics, less those
    the history already holds (when the period starts a bucket, its trend is the history's
    end). Metrics are stored codes (the parts of derived ones). `panels` pairs each panel
    with the granularity it is drawn at.
    """
    kpi_stored = catalogue.stored_codes_for(kpi_codes)
    totals = catalogue.stored_codes_for([
        *kpi_codes, *(m for p, _ in panels if p.kind in ("breakdown", "shares")
                      for m in p.metrics)])
    comparison = comparison_period(period)
    reads = [Read("range", period, tuple(totals)),
             Read("range", comparison, tuple(kpi_stored)),
             Read(granularity, history_months(period, granularity, fy_start),
                          tuple(kpi_stored))]
    trends: dict[str, list[str]] = {}
    for panel, grain in panels:
        if panel.kind not in ("breakdown", "shares"):
            trends.setdefault(grain, []).extend(panel.metrics)
    in_history = set(kpi_stored) if starts_bucket(period, granularity, fy_start) else set()
    for grain, codes in trends.items():
        stored = catalogue.stored_codes_for(codes)
        if grain == granularity:
            stored = [c for c in stored if c not in in_history]
        reads.append(Read(grain, period, tuple(stored)))
    return reads


def build_view(db, viewer, config: Config, page_key: str, state: ViewState,
               catalogue: Catalogue = CATALOGUE) -> DashboardView:
    """Resolve the state against the data and compute every KPI and panel of a page.

    Two statements on one connection: the service with its extent and reported measures,
    then every aggregate the page shows (dashboard.db.aggregates.aggregate_reads).
    """
    with db.reading() as conn:
        return _build_view(db, conn, viewer, config, page_key, state, catalogue)


def _build_view(db, conn, viewer, config: Config, page_key: str, state: ViewState,
                catalogue: Catalogue) -> DashboardView:
    messages = list(state.problems)
    summary = (service_summary(db, viewer, state.service, conn=conn) if state.service
               else None)
    if summary is None:
        if state.service:
            messages.append(unknown_service_note(state.service))
        code = first_service_code(db, viewer)
        summary = service_summary(db, viewer, code, conn=conn) if code else None
    if summary is None:
        spec = page_spec(page_key, None)
        return DashboardView(spec, replace(state, service=None), None, 4, None, messages=messages,
                             empty_message="There is no service to show yet. Load the demo data "
                             "(python -m dashboard seed-demo) or import your figures.")
    service = summary.service
    fy_start = config.fy_start_for(service)
    spec = page_spec(page_key, service.sector)
    extent = summary.extent
    state, notes = resolve_period(replace(state, service=service.code), extent, fy_start)
    messages.extend(notes)
    view = DashboardView(spec, state, service, fy_start, extent, messages=messages)
    if extent is None:
        view.empty_message = f"{service.name} has no figures yet."
        return view
    period = state.period
    if period.start > extent[1] or period.end < extent[0]:
        view.empty_message = (
            f"{service.name} has no figures for {view.period_label}. Its figures run from "
            f"{extent[0]:%b %Y} to {extent[1]:%b %Y}."
        )
        return view
    categories = set(state.categories) if spec.category is None else {spec.category}
    # Show what this service reports: a national return's services each collect their own
    # set of measures (a US system circulation, an English authority loans). A measure the
    # service has never reported is left out rather than shown empty in every period.
    reported = summary.reported

    def ever_reported(code: str) -> bool:
        return all(part in reported for part in catalogue.stored_codes_for([code]))

    kpi_codes = [c for c in spec.kpis if catalogue[c].category in categories
                 and ever_reported(c)]
    # Figures stored only by year (a national return) or quarter cannot be shown by month.
    stored_types = set().union(*reported.values()) if reported else {"month"}
    finest = min(stored_types, key=MONTHS_IN.get)
    granularity = state.granularity
    panels = []
    for p in spec.panels:
        shown = tuple(m for m in p.metrics if ever_reported(m))
        if p.category in categories and shown:
            panel = replace(p, metrics=shown) if shown != p.metrics else p
            panels.append((panel, panel_granularity(panel, granularity, finest)))

    reads = page_reads(kpi_codes, panels, period, granularity, fy_start, catalogue)
    found = aggregate_reads(db, viewer, summary, reads, fy_start, conn=conn)
    now, then, history = found[0], found[1], found[2]
    labels: dict[str, dict[dt.date, str]] = {grain: {} for grain in MONTHS_IN}

    def label(bucket: dt.date, grain: str) -> str:
        text = labels[grain].get(bucket)
        if text is None:
            text = labels[grain][bucket] = period_label(bucket, grain, fy_start)
        return text

    new_tuple = tuple.__new__

    def series(codes, cells: dict, grain: str) -> dict[str, list[Point]]:
        found = {}
        for code, values in derived_values(cells, codes, catalogue).items():
            if values:
                name = catalogue[code].label
                named = labels[grain]
                # tuple.__new__ makes the same Point without the Python-level __new__ that
                # Point(...) calls: a page makes a few hundred of them.
                found[code] = [new_tuple(Point, (code, bucket, value, coverage,
                                                 named.get(bucket) or label(bucket, grain),
                                                 name))
                               for bucket, (value, coverage) in values.items()]
        return found

    now_values = derived_values(now, [*kpi_codes, *(m for p, _ in panels for m in p.metrics
                                                     if p.kind in ("breakdown", "shares"))],
                                catalogue)
    then_values = derived_values(then, kpi_codes, catalogue)
    sparks = series(kpi_codes, history, granularity)
    for kpi in kpis_from_values(kpi_codes, now_values, then_values, catalogue):
        view.kpis.append(KpiView(kpi, catalogue[kpi.code], points=sparks.get(kpi.code, [])))

    # Trends per granularity: the chosen one, or a panel's coarser minimum (small samples).
    trends: dict[str, dict[str, list[Point]]] = {}
    for read, cells in zip(reads[3:], found[3:]):
        if read.granularity == granularity and starts_bucket(period, granularity, fy_start):
            cells = {**{code: {b: v for b, v in buckets.items() if b >= period.start}
                        for code, buckets in history.items()}, **cells}
        codes = [m for p, grain in panels if grain == read.granularity
                 and p.kind not in ("breakdown", "shares") for m in p.metrics]
        trends[read.granularity] = series(codes, cells, read.granularity)
    when = view.period_label
    for panel, grain in panels:
        periods = bucket_labels(period, grain, fy_start)
        if panel.kind in ("breakdown", "shares"):
            points = [Point(code, None, value, coverage, when, catalogue[code].label)
                      for code in panel.metrics if now_values.get(code)
                      for value, coverage in now_values[code].values()]
        else:
            by_metric = trends.get(grain, {})
            points = [point for code in panel.metrics for point in by_metric.get(code, ())]
        view.panels.append(_panel_data(panel, points, periods, grain, view))
    return view


def _panel_data(panel: Panel, points: list[Point], periods: list[str], granularity: str,
                view: DashboardView) -> PanelData:
    """Title and annotate a panel's figures: period totals for breakdowns, the period's
    buckets for trends."""
    when = view.period_label
    if panel.kind == "shares":
        title = f"{panel.title} (% of respondents), {when}"
    elif panel.kind == "breakdown":
        title = f"{panel.title}, {when}"
    else:
        per = GRANULARITY_LABELS[granularity].lower()
        title = f"{panel.title} by {per}, {when}"
    notes = []
    if granularity != view.state.granularity and panel.kind not in ("breakdown", "shares"):
        notes.append(f"Shown by {GRANULARITY_LABELS[granularity].lower()} at the finest: "
                     "monthly samples are too small to read.")
    partial = [p.period for p in points if p.coverage < 1]
    if partial:
        which = ", ".join(dict.fromkeys(partial))
        notes.append(f"Incomplete (not every month reported, or cut by the period chosen): "
                     f"{which}.")
    message = f"No figures for {panel.title.lower()} in {when}." if not points else None
    return PanelData(panel, title, None, granularity, message, notes, periods, points=points)

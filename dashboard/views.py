"""Describe each dashboard page (Statistics Toolbox templates) and assemble its data.

A page is a list of headline KPIs and a list of panels; `build_view` runs the few aggregate
queries a page needs and returns plain data that layouts and exports render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from . import queries
from .catalogue import CATALOGUE, Catalogue
from .compute import Kpi, kpis, metric_values
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


def page_spec(page_key: str, sector: str | None) -> PageSpec:
    """Return the page template for a sector (NHS templates serve other sectors too)."""
    pages = PAGES_BY_SECTOR.get(sector or "nhs", PAGES_BY_SECTOR["nhs"])
    return pages[page_key]


@dataclass
class KpiView:
    """A KPI with the metric it measures and its sparkline series."""

    kpi: Kpi
    metric: object
    spark: pd.DataFrame


@dataclass
class PanelData:
    """The data behind one panel, ready to be drawn or exported."""

    panel: Panel
    title: str
    frame: pd.DataFrame  # metric, label, bucket, period, value, coverage
    granularity: str
    empty_message: str | None = None
    notes: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)  # every bucket of a trend, gaps included


@dataclass
class DashboardView:
    """Everything one page shows for one state."""

    page: PageSpec
    state: ViewState
    service: queries.ServiceInfo | None
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
        return period.shifted(-comparison_shift(period)) if period else None

    @property
    def comparison_label(self) -> str:
        earlier = self.comparison_period
        return earlier.label(self.fy_start_month) if earlier else ""


def comparison_shift(period: PeriodRange) -> int:
    """Return how many months back the comparison period starts.

    The same period a year earlier; a period longer than a year is compared with the
    whole years just before it, so the two never overlap.
    """
    return 12 * max(1, -(-period.months // 12))


def bucket_starts(period: PeriodRange, granularity: str, fy_start: int) -> list[dt.date]:
    """List the start of every month, quarter or financial year that the period touches."""
    step = MONTHS_IN[granularity]
    current = bucket_start(period.start, granularity, fy_start)
    starts = []
    while current <= period.end:
        starts.append(current)
        current = add_months(current, step)
    return starts


def series_ranges(period: PeriodRange, granularity: str, fy_start: int,
                  grains=()) -> list[tuple[str, PeriodRange]]:
    """List the bucketed series a page reads, as (granularity, months) pairs.

    First the sparklines' history: the last five years to the end of the period at the chosen
    granularity, in whole buckets, reaching back to the start of the period when the period
    starts on a bucket boundary (the trends are then that history's last buckets). A period
    starting inside a bucket gets a series of its own, whose first bucket is cut. Then the
    period at each other granularity in `grains` (panels that need coarser buckets).
    """
    spark_start = bucket_start(add_months(period.end, -(SPARK_MONTHS - 1)), granularity,
                               fy_start)
    aligned = bucket_start(period.start, granularity, fy_start) == period.start
    ranges = [(granularity, PeriodRange(min(spark_start, period.start) if aligned
                                        else spark_start, period.end))]
    if not aligned:
        ranges.append((granularity, period))
    for grain in dict.fromkeys(grains):
        if grain != granularity:
            ranges.append((grain, period))
    return ranges


def panel_granularity(panel: Panel, granularity: str, finest: str) -> str:
    """Return the granularity a panel is drawn at: the chosen one, or coarser where the panel
    needs bigger samples or the figures are stored only by quarter or year."""
    return max(granularity, panel.min_granularity, finest, key=MONTHS_IN.get)


def build_view(db, viewer, config: Config, page_key: str, state: ViewState,
               catalogue: Catalogue = CATALOGUE) -> DashboardView:
    """Resolve the state against the data and compute every KPI and panel of a page."""
    messages = list(state.problems)
    service = queries.get_service(db, viewer, state.service) if state.service else None
    if service is None:
        if state.service:
            messages.append(unknown_service_note(state.service))
        code = queries.first_service_code(db, viewer)
        service = queries.get_service(db, viewer, code) if code else None
    if service is None:
        spec = page_spec(page_key, None)
        return DashboardView(spec, replace(state, service=None), None, 4, None, messages=messages,
                             empty_message="There is no service to show yet. Load the demo data "
                             "(python -m dashboard seed-demo) or import your figures.")
    fy_start = config.fy_start_for(service)
    spec = page_spec(page_key, service.sector)
    extent = queries.data_extent(db, viewer, service.code)
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
    reported = queries.reported_metrics(db, viewer, service.code)

    def ever_reported(code: str) -> bool:
        return all(part in reported for part in catalogue.stored_codes_for([code]))

    kpi_codes = [c for c in spec.kpis if catalogue[c].category in categories
                 and ever_reported(c)]
    panels = []
    for p in spec.panels:
        shown = tuple(m for m in p.metrics if ever_reported(m))
        if p.category in categories and shown:
            panels.append(replace(p, metrics=shown) if shown != p.metrics else p)
    wanted = list(dict.fromkeys([*kpi_codes, *(m for p in panels for m in p.metrics)]))
    stored = catalogue.stored_codes_for(wanted)
    args = (db, viewer, service.code)

    granularity = state.granularity

    def series_for(months: PeriodRange, grain: str = granularity) -> pd.DataFrame:
        values = metric_values(queries.aggregate(*args, stored, months, grain, fy_start), wanted)
        return _label_buckets(values, grain, fy_start, catalogue)

    current = metric_values(queries.aggregate(*args, stored, period, "range", fy_start), wanted)
    previous = metric_values(
        queries.aggregate(*args, stored, view.comparison_period, "range", fy_start), wanted)
    history_months = series_ranges(period, granularity, fy_start)[0][1]
    aligned = bucket_start(period.start, granularity, fy_start) == period.start
    history = series_for(history_months)
    # Trends: exactly the chosen months. A bucket cut by the range counts as incomplete.
    trend = history[history["bucket"] >= period.start] if aligned and not history.empty \
        else series_for(period)

    sparks = {code: part for code, part in history.groupby("metric", sort=False)}
    empty_series = history.iloc[0:0]
    # Trends per granularity: the chosen one, or a panel's coarser minimum (small samples).
    trends = {granularity: (trend, bucket_starts(period, granularity, fy_start))}
    for kpi in kpis(kpi_codes, current, previous, catalogue):
        spark = sparks.get(kpi.code, empty_series)
        view.kpis.append(KpiView(kpi, catalogue[kpi.code], spark))
    # Figures stored only by year (a national return) or quarter cannot be shown by month.
    stored_types = set().union(*reported.values()) if reported else {"month"}
    finest = min(stored_types, key=MONTHS_IN.get)
    for panel in panels:
        grain = panel_granularity(panel, granularity, finest)
        if grain not in trends:
            trends[grain] = (series_for(period, grain), bucket_starts(period, grain, fy_start))
        frame, buckets = trends[grain]
        by_metric = {code: part for code, part in frame.groupby("metric", sort=False)}
        view.panels.append(_panel_data(panel, current, by_metric, empty_series, buckets, grain,
                                       view, catalogue))
    return view


def _label_buckets(series: pd.DataFrame, granularity: str, fy_start: int,
                   catalogue: Catalogue) -> pd.DataFrame:
    if series.empty:
        return series.assign(period=pd.Series(dtype=object), label=pd.Series(dtype=object))
    series = series.copy()
    labels = {b: period_label(b, granularity, fy_start) for b in set(series["bucket"])}
    series["period"] = [labels[b] for b in series["bucket"]]
    series["label"] = [catalogue[m].label for m in series["metric"]]
    return series


def _panel_data(panel: Panel, current: pd.DataFrame, by_metric: dict, empty: pd.DataFrame,
                buckets: list[dt.date], granularity: str, view: DashboardView,
                catalogue: Catalogue) -> PanelData:
    """Select a panel's figures: period totals for breakdowns, the period's buckets for trends."""
    when = view.period_label
    if panel.kind in ("breakdown", "shares"):
        frame = current[current["metric"].isin(panel.metrics)].copy()
        order = {m: i for i, m in enumerate(panel.metrics)}
        frame["order"] = frame["metric"].map(order)
        frame = frame.sort_values("order").drop(columns="order")
        frame["label"] = [catalogue[m].label for m in frame["metric"]]
        frame["period"] = when
        title = f"{panel.title}, {when}"
        if panel.kind == "shares":
            title = f"{panel.title} (% of respondents), {when}"
    else:
        parts = [by_metric[m] for m in panel.metrics if m in by_metric]
        frame = pd.concat(parts) if parts else empty
        per = GRANULARITY_LABELS[granularity].lower()
        title = f"{panel.title} by {per}, {when}"
    notes = []
    if granularity != view.state.granularity and panel.kind not in ("breakdown", "shares"):
        notes.append(f"Shown by {GRANULARITY_LABELS[granularity].lower()} at the finest: "
                     "monthly samples are too small to read.")
    if not frame.empty and (frame["coverage"] < 1).any():
        partial = frame[frame["coverage"] < 1]
        which = ", ".join(dict.fromkeys(partial["period"]))
        notes.append(f"Incomplete (not every month reported, or cut by the period chosen): "
                     f"{which}.")
    message = f"No figures for {panel.title.lower()} in {when}." if frame.empty else None
    labels = [period_label(b, granularity, view.fy_start_month) for b in buckets]
    return PanelData(panel, title, frame.reset_index(drop=True), granularity, message, notes,
                     labels)

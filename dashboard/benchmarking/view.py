"""Assemble the Benchmark page's data: the state in the URL, the peer group, the comparisons.

`BenchmarkState` is what the address bar holds (`service`, `fy`, `peers`, `per`, `metric`),
parsed from untrusted text with problems reported, never raised. `build_benchmark` returns
everything the page draws: the group and its description, the focus measure's comparison with
peer values, its comparison over the last financial years, and the league table of every
headline measure the service reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from ..catalogue import CATALOGUE, Catalogue
from ..db import Database
from ..db.access import Viewer
from ..db.peers import neighbour_sources
from ..db.services import (ServiceInfo, data_extent, first_service_code, get_service,
                           reported_metrics)
from ..figures.benchmarking import quartile_band
from ..formatting import currency_symbol, format_number, format_value, unit_label
from ..periods import PeriodRange, financial_year_range, fy_label, fy_year
from ..state import SERVICE_CODE
from ..templates import PAGE_ORDER, page_spec
from .compare import (NORMALISATIONS, Comparison, ValueTable, compare, denominator_measures,
                      value_table)
from .definition import ACE_NEIGHBOURS, MAX_TEXT, PeerDefinition, from_query, to_query
from .describe import group_members
from .selection import Candidates, PeerGroup, build_group, load_candidates

TREND_YEARS = 5
# The page's first peer group: services of the same sector in the same national return (a US
# library is not compared with an English authority), in the same population fifth.
DEFAULT_PEERS = "sector:=;source:=;size:q5"


@dataclass(frozen=True)
class BenchmarkState:
    """The Benchmark page's state, as in its URL."""

    service: str | None = None
    fy: int | None = None                      # start year of the financial year
    peers: str = DEFAULT_PEERS
    per: str = "raw"
    metric: str | None = None

    def to_query(self) -> str:
        params = {"service": self.service, "fy": self.fy, "peers": self.peers,
                  "per": self.per, "metric": self.metric}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def parse_benchmark_state(query: dict) -> tuple[BenchmarkState, list[str]]:
    """Read the page state from untrusted query parameters; say what was ignored."""
    problems = []

    def text(name: str, limit: int = 200) -> str | None:
        value = query.get(name)
        return value if isinstance(value, str) and len(value) <= limit else None

    service = text("service", 64)
    if service is not None and not SERVICE_CODE.fullmatch(service):
        problems.append("The service code in the link is not valid; it was ignored.")
        service = None
    fy = None
    if text("fy", 4):
        if query["fy"].isdigit() and 1900 <= int(query["fy"]) <= 2200:
            fy = int(query["fy"])
        else:
            problems.append("The financial year in the link is not valid; the latest is shown.")
    per = text("per", 20) or "raw"
    if per not in NORMALISATIONS:
        problems.append(f"Unknown normalisation {per!r}; figures are shown as reported.")
        per = "raw"
    metric = text("metric", 64)
    if metric is not None and metric not in CATALOGUE:
        problems.append(f"Unknown measure {metric!r}; the first headline measure is shown.")
        metric = None
    peers, peer_problems = peers_from_link(query.get("peers"))
    problems += peer_problems
    return BenchmarkState(service, fy, peers, per, metric), problems


def peers_from_link(raw) -> tuple[str, list[str]]:
    """Read a peer group's link form from an untrusted value; return its canonical text and
    what was ignored. A value that keeps nothing valid (where "all services" would be left)
    falls back to the default group of similar services."""
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    if not isinstance(raw, str) or not raw:
        return DEFAULT_PEERS, []
    if len(raw) > MAX_TEXT:
        return DEFAULT_PEERS, ["The peer group in the link is too long; similar services by "
                               "size are used."]
    definition, problems = from_query(raw)
    text = to_query(definition)
    if problems and text == to_query(from_query("all")[0]):
        problems = problems + ["Nothing usable was left of the link's peer group, so similar "
                               "services by size are used."]
        return DEFAULT_PEERS, problems
    return text, problems


def headline_metrics(sector: str, reported: dict[str, set[str]],
                     catalogue: Catalogue = CATALOGUE) -> list[str]:
    """Return the sector's headline measures (every page's KPIs) the service reports."""
    codes = []
    for key in PAGE_ORDER:
        for code in page_spec(key, sector).kpis:
            parts = catalogue.stored_codes_for([code])
            if code not in codes and all(p in reported for p in parts):
                codes.append(code)
    return codes


def sector_codes(sector: str, catalogue: Catalogue = CATALOGUE) -> list[str]:
    """Return the stored measures behind a sector's headline measures and denominators: what
    one shared value table per sector and year holds."""
    wanted = headline_metrics(sector, {m.code: set() for m in catalogue.all()}, catalogue)
    wanted += denominator_measures(sector).values()
    return catalogue.stored_codes_for([c for c in dict.fromkeys(wanted) if c in catalogue])


def sector_table(db: Database, viewer: Viewer, sector: str,
                 period: PeriodRange) -> ValueTable:
    """Read every visible service's figures for a sector's headline measures over a period."""
    return value_table(db, viewer, sector_codes(sector), period)


def shared_tables(ctx, viewer):
    """Return the value tables' source for build_benchmark: one table per sector and year,
    read once and shared by every worker through the app's cache (`ctx.cached`)."""
    def tables(sector: str, period):
        return ctx.cached(("benchmark-values", viewer, sector, period.start, period.end),
                          lambda: sector_table(ctx.db, viewer, sector, period))
    return tables


def shared_candidates(ctx, viewer: Viewer) -> Candidates:
    """Return every service peers may be chosen from, read once and shared by every worker
    through the app's cache (the Benchmark page and the executive summary use the same)."""
    return ctx.cached(("peer-candidates", viewer), lambda: load_candidates(ctx.db, viewer))


def cached_benchmark(ctx, viewer: Viewer, state: BenchmarkState,
                     problems: list[str] | tuple[str, ...] = ()) -> "BenchmarkView":
    """Return the Benchmark page's data for a state through the app's shared cache: the page
    and its table download ask for the same key, so a download after a view is not computed
    again."""
    candidates = shared_candidates(ctx, viewer)
    return ctx.cached(("benchmark", viewer, state.to_query(), tuple(problems)),
                      lambda: build_benchmark(ctx.db, viewer, ctx.config, state, list(problems),
                                              candidates=candidates,
                                              tables=shared_tables(ctx, viewer)))


@dataclass
class BenchmarkView:
    """Everything the Benchmark page shows."""

    state: BenchmarkState
    service: ServiceInfo | None = None
    definition: PeerDefinition | None = None
    group: PeerGroup | None = None
    period: PeriodRange | None = None
    period_label: str = ""
    years: list[int] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    focus: Comparison | None = None
    league: list[Comparison] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    empty_message: str = ""
    has_neighbour_list: bool = False
    named_members: list[dict] = field(default_factory=list)  # {code, name, reason}
    hidden_members: int = 0       # members whose names the viewer may not see: counted only


def _years(extent, fy_start: int) -> list[int]:
    """Return the financial years a service's figures cover, whole years only, newest first."""
    first, last = extent
    years = []
    year = fy_year(last, fy_start)
    while year >= fy_year(first, fy_start):
        span = financial_year_range(year, fy_start)
        if span.start >= first and span.end <= last:
            years.append(year)
        year -= 1
    return years or [fy_year(last, fy_start)]


def build_benchmark(db: Database, viewer: Viewer, config, state: BenchmarkState,
                    problems: list[str] | None = None,
                    candidates: Candidates | None = None,
                    metrics: list[str] | None = None, trend: bool = True,
                    tables=None) -> BenchmarkView:
    """Compute the Benchmark page for a state.

    `metrics` replaces the league table's measures (the headline measures the service
    reports) with the given ones, in order, the first being the focus; `trend` False skips
    the comparisons over earlier years. The command line uses both: the same numbers as the
    page, without the work the page needs for its charts. `tables(sector, period)` returns a
    `ValueTable` (the page passes one backed by the shared cache); without it, figures are
    read for the group alone.
    """
    view = BenchmarkView(state, messages=list(problems or []))
    code = state.service or first_service_code(db, viewer)
    service = get_service(db, viewer, code) if code else None
    if service is None and state.service:
        view.messages.append(f"No service with code '{state.service}' is available; showing "
                             "the first service instead.")
        code = first_service_code(db, viewer)
        service = get_service(db, viewer, code) if code else None
    if service is None:
        view.empty_message = "There is no service to compare yet: import figures first."
        return view
    view.service = service
    fy_start = config.fy_start_for(service)
    extent = data_extent(db, viewer, service.code)
    if extent is None:
        view.state = replace(state, service=service.code)
        view.empty_message = f"{service.name} has no figures yet, so there is nothing to compare."
        return view
    view.years = _years(extent, fy_start)
    fy = state.fy if state.fy in view.years else view.years[0]
    if state.fy is not None and state.fy != fy:
        view.messages.append(f"{service.name} has no complete figures for "
                             f"{fy_label(state.fy, fy_start)}; showing {fy_label(fy, fy_start)}.")
    view.period = financial_year_range(fy, fy_start)
    view.period_label = fy_label(fy, fy_start)
    if metrics is None:
        reported = reported_metrics(db, viewer, service.code)
        view.metrics = headline_metrics(service.sector, reported)
    else:
        view.metrics = [m for m in dict.fromkeys(metrics) if m in CATALOGUE]
    metric = state.metric if state.metric in view.metrics else \
        (view.metrics[0] if view.metrics else None)
    if state.metric and state.metric != metric and metric:
        view.messages.append(f"{service.name} does not report {CATALOGUE[state.metric].name}"
                             f" among its headline measures; showing {CATALOGUE[metric].name}.")
    view.state = replace(state, service=service.code, fy=fy, metric=metric)
    definition, _ = from_query(state.peers)
    view.definition = definition
    view.group = build_group(db, viewer, config, service.code, definition,
                             candidates=candidates, reveal=True)
    directory = candidates.directory if candidates is not None else None
    view.named_members, view.hidden_members = group_members(db, viewer, view.group,
                                                            directory=directory)
    view.messages += view.group.problems
    view.has_neighbour_list = ACE_NEIGHBOURS in neighbour_sources(
        db, viewer, service.code)
    if not view.metrics:
        view.empty_message = f"{service.name} reports none of the headline measures."
        return view
    members = view.group.members

    def comparisons(codes: list[str], period: PeriodRange, with_peers: bool) -> list:
        table = tables(service.sector, period) if tables is not None else None
        return compare(db, viewer, config, service.code, members, codes, period,
                       normalisation=state.per, group_key=state.peers, with_peers=with_peers,
                       table=table, directory=directory)

    view.league = comparisons(view.metrics, view.period, False)
    [view.focus] = comparisons([metric], view.period, True)
    for year in sorted(view.years[:TREND_YEARS]) if trend else ():
        c = view.focus if year == fy else \
            comparisons([metric], financial_year_range(year, fy_start), False)[0]
        view.trend.append({"label": fy_label(year, fy_start), "own": c.own_value,
                           "q1": c.q1, "median": c.median, "q3": c.q3,
                           "withheld": c.withheld})
    return view


# --- the comparisons in words (page, snapshots) ------------------------------------------------

def axis_title(c: Comparison) -> str:
    """Name the unit and the denominator of a comparison's values."""
    metric = CATALOGUE[c.metric]
    if c.denominator:
        return f"{metric.label} {c.denominator}"
    return f"{metric.label} ({unit_label(metric)})" if unit_label(metric) != "Number" \
        else metric.label


def comparison_text(value, c: Comparison) -> str:
    """Format a comparison's figure: as the measure is shown, or, divided by a denominator,
    with three significant figures when small and the currency symbol for money."""
    if value is None:
        return "–"
    metric = CATALOGUE[c.metric]
    if not c.denominator:
        return format_value(value, metric)
    text = f"{value:.3g}" if 0 < abs(value) < 1 else format_number(value)
    return f"{currency_symbol(metric)}{text}" if metric.unit == "currency" else text


def percentile_text(value: float | None) -> str:
    """Round a percentile to a whole number, but never to 0 or 100 when it is not exactly so
    (99.8 for the 5th of 1,844 reads "99.8", not "100")."""
    if value is None:
        return "–"
    whole = round(value)
    if whole in (0, 100) and abs(value - whole) > 1e-9:
        return f"{value:.1f}"
    return f"{whole:.0f}"


def league_rows(league: list[Comparison]) -> list[dict]:
    """Return one table row per measure, with what the spine chart cell draws."""
    rows = []
    for c in league:
        band = quartile_band(c.own_value, c.q1, c.q3, c.higher_is_better)
        rows.append({
            "metric": c.metric, "measure": CATALOGUE[c.metric].name,
            "own": comparison_text(c.own_value, c),
            "median": "withheld" if c.withheld else comparison_text(c.median, c),
            "rank": "withheld" if c.withheld else (c.rank_text or "–"),
            "rank_n": None if c.withheld else c.rank,
            "percentile": None if c.percentile is None else
            float(percentile_text(c.percentile)),
            "reporting": c.reporting_text, "per": c.denominator or "as reported",
            "spine": None if c.withheld or c.median is None else {
                "min": c.minimum, "q1": c.q1, "median": c.median, "q3": c.q3,
                "max": c.maximum, "own": c.own_value, "band": band,
                "reverse": c.higher_is_better is False},
        })
    return rows

"""Build a Snapshot from a view's address: the page and its query, as the URL carries them.

The address is untrusted (a pasted link, an uploaded view.json, a callback payload): it is
read by the same parsers the pages use, and anything else is refused with a clear message
(`SnapshotError`). The figures come from the same functions and caches as the pages, so a
download always shows what the screen shows.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

from ..benchmarking.compare import NORMALISATION_LABELS, QUARTILE_METHOD, denominator_text
from ..benchmarking.view import (cached_benchmark, comparison_text, parse_benchmark_state,
                                 percentile_text)
from ..captions import Facts, caption_label, change_line, headline_caption, rank_clause
from ..catalogue import CATALOGUE
from ..db.services import data_as_of
from ..db.targets import targets_for
from ..describe import panel_alt_text, panel_caption, panel_table, unit_words
from ..executive import ICONS, ExecutiveView, cached_executive, parse_executive_state
from ..figures.benchmarking import quartile_band
from ..figures.panels import make_panel_figure
from ..formatting import format_value, unit_label
from ..panels import benchmark_panels, executive_panels
from ..periods import GRANULARITY_LABELS
from ..settings import logo_path
from ..state import parse_state
from ..templates import PAGE_ORDER, page_spec
from ..views import DashboardView, build_view
from .model import STATE_VERSION, Definition, Headline, Snapshot, SnapshotPanel

PAGE_PATHS = {**{key: page_spec(key, "nhs").path for key in PAGE_ORDER},
              "benchmark": "/benchmark", "executive": "/executive"}
PATH_PAGES = {path: key for key, path in PAGE_PATHS.items()}
PAGE_KEYS = {  # the query parameters each page reads
    **{key: ("service", "from", "to", "granularity", "categories") for key in PAGE_ORDER},
    "benchmark": ("service", "fy", "peers", "per", "metric"),
    "executive": ("service", "from", "to", "peers"),
}
MAX_URL = 8000
MAX_STATE_BYTES = 100_000
MAX_VALUE = 4000


class SnapshotError(ValueError):
    """A view address or view-state file cannot be used; the message says why."""


# --- the view's address -------------------------------------------------------------------------

def clean_query(page: str, query: dict) -> dict[str, str]:
    """Keep the parameters a page reads, as short strings (first value of repeated ones)."""
    kept = {}
    for key in PAGE_KEYS[page]:
        value = query.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value and len(value) <= MAX_VALUE:
            kept[key] = value
    return kept


def parse_url(url) -> tuple[str, dict[str, str]]:
    """Read a page address ("/finance?service=..." or a whole link) into page and query."""
    if not isinstance(url, str) or not url.strip():
        raise SnapshotError("Give the address of a Shelfmark page, such as "
                            "/finance?service=DEMO003.")
    if len(url) > MAX_URL:
        raise SnapshotError(f"The address is too long (over {MAX_URL:,} characters).")
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    if path not in PATH_PAGES:
        pages = ", ".join(sorted(PATH_PAGES))
        raise SnapshotError(f"{path!r} is not a page a snapshot can be made of; use one of "
                            f"{pages}.")
    page = PATH_PAGES[path]
    return page, clean_query(page, parse_qs(parts.query))


def page_url(page: str, query: dict[str, str]) -> str:
    """Return the address that re-opens a view."""
    search = urlencode(clean_query(page, query))
    return PAGE_PATHS[page] + (f"?{search}" if search else "")


def view_state(page: str, query: dict[str, str], title: str = "") -> dict:
    """Return the view-state JSON (as a dict) that re-opens a view."""
    query = clean_query(page, query)
    return {"shelfmark_view": STATE_VERSION, "page": page, "path": PAGE_PATHS[page],
            "query": query, "url": page_url(page, query), "title": title}


def read_view_state(raw) -> tuple[str, dict[str, str]]:
    """Read an uploaded or saved view-state file (bytes, text or dict) into page and query."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_STATE_BYTES:
            raise SnapshotError("This file is too big to be a Shelfmark view (view.json files "
                                "are a few hundred bytes).")
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SnapshotError("This is not a Shelfmark view file: it is not text.") from None
    if isinstance(raw, str):
        if len(raw) > MAX_STATE_BYTES:
            raise SnapshotError("This file is too big to be a Shelfmark view.")
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise SnapshotError("This is not a Shelfmark view file: it is not JSON. Use the "
                                "view.json from a snapshot's ZIP bundle.") from None
    if not isinstance(raw, dict) or "shelfmark_view" not in raw:
        raise SnapshotError("This is not a Shelfmark view file: it has no 'shelfmark_view' "
                            "entry. Use the view.json from a snapshot's ZIP bundle.")
    if raw.get("shelfmark_view") != STATE_VERSION:
        raise SnapshotError(f"This view file has version {raw.get('shelfmark_view')!r}; this "
                            f"Shelfmark reads version {STATE_VERSION}.")
    page = raw.get("page")
    if not isinstance(page, str) or page not in PAGE_PATHS:
        raise SnapshotError("This view file names no page Shelfmark knows ('page' should be "
                            f"one of {', '.join(PAGE_PATHS)}).")
    query = raw.get("query", {})
    if not isinstance(query, dict):
        raise SnapshotError("This view file's 'query' must be an object of filter values.")
    return page, clean_query(page, query)


# --- words shared by every kind of page ---------------------------------------------------------

def _definitions(codes) -> list[Definition]:
    names = CATALOGUE.names()
    found = []
    for code in dict.fromkeys(codes):
        if code not in CATALOGUE:
            continue
        metric = CATALOGUE[code]
        text = metric.definition
        if metric.derived:
            text = f"{text} Computed as {metric.formula(names)}.".strip()
        found.append(Definition(code, metric.name, text, unit_label(metric), metric.source))
    return found


def _subtitle(service) -> str:
    details = [d for d in (service.org_type and service.org_type.title(), service.region) if d]
    if service.population:
        details.append(f"{service.population:,.0f} {service.population_unit or ''} served".replace(
            "  ", " "))
    return " · ".join(details)


def _base(ctx, viewer, page: str, query: dict, service, title: str, period_label: str) -> Snapshot:
    url = page_url(page, query)
    snapshot = Snapshot(title=title, page=page, url=url, state=view_state(page, query, title),
                        period_label=period_label,
                        organisation=str(ctx.config.get("ORGANISATION_NAME") or ""),
                        logo=logo_path(ctx.config), base_url=public_url(ctx.config))
    if service is not None:
        snapshot.service_code = service.code
        snapshot.service_name = service.name
        snapshot.subtitle = _subtitle(service)
        snapshot.source = service.source_name
        snapshot.synthetic = service.synthetic
        snapshot.data_as_of = data_as_of(ctx.db, viewer, service.code)
    return snapshot


def public_url(config) -> str:
    """Return Shelfmark's public address for links in files: the PUBLIC_URL setting, else the
    address of the web request being answered (none on the command line)."""
    configured = str(config.get("PUBLIC_URL") or "").strip()
    if configured.startswith(("https://", "http://")):
        return configured.rstrip("/")
    try:
        from flask import has_request_context, request

        if has_request_context():
            return request.host_url.rstrip("/")
    except ImportError:  # pragma: no cover - Flask is always installed with the app
        pass
    return ""


def _period_words(state) -> str:
    if not state.start or not state.end:
        return ""
    if state.start == state.end:
        return f"{state.start:%b %Y}"
    return f"{state.start:%b %Y} to {state.end:%b %Y}"


# --- dashboard pages ----------------------------------------------------------------------------

def kpi_headline(item, view: DashboardView, target: float | None = None,
                 icon: str = "") -> Headline:
    """Put a dashboard KPI tile into words, with its caption and the target where there is one."""
    kpi, metric = item.kpi, item.metric
    change = change_line(kpi, metric, view.comparison_label)
    facts = Facts(metric, kpi.value, view.period_label,
                  kpi.previous if kpi.change is not None else None, view.comparison_label,
                  target=target)
    details = []
    if target is not None:
        details.append(f"Target {format_value(target, metric)}")
    if getattr(metric, "benchmark", None):
        details.append(f"National benchmark {format_value(metric.benchmark, metric)}")
    if kpi.coverage is not None and kpi.coverage < 1:
        details.append(f"{kpi.coverage:.0%} of periods reported")
    return Headline(kpi.code, kpi.label, format_value(kpi.value, metric), change,
                    kpi.assessment, headline_caption(facts), icon or ICONS.get(kpi.code, ""),
                    tuple(details), kpi.value, unit_words(metric))


def snapshot_panel(data) -> SnapshotPanel:
    """Turn a dashboard panel's data into a snapshot panel."""
    return SnapshotPanel(
        key=data.panel.key, title=data.title, caption=panel_caption(data),
        description=data.panel.description,
        figure=None if data.empty_message else make_panel_figure(data),
        table=panel_table(data), metrics=tuple(data.panel.metrics),
        alt_text=panel_alt_text(data), notes=tuple(data.notes),
        empty_message=data.empty_message)


def _dashboard(ctx, viewer, page: str, query: dict) -> Snapshot:
    state = parse_state(query)
    view = ctx.cached(("view", page, state.to_query(), viewer),
                      lambda: build_view(ctx.db, viewer, ctx.config, page, state))
    service = view.service
    title = f"{view.page.title}: {view.period_label}" if view.period_label else view.page.title
    shown_query = parse_qs(view.state.to_query().lstrip("?")) if service else query
    snapshot = _base(ctx, viewer, page, shown_query, service, title, view.period_label)
    snapshot.messages = tuple(view.messages)
    if service is None:
        snapshot.empty_message = view.empty_message
        return snapshot
    filters = [("Period", f"{_period_words(view.state)} ({view.period_label})"),
               ("Compared with", view.comparison_label),
               ("Shown by", GRANULARITY_LABELS[view.state.granularity])]
    if page == "overview":
        filters.append(("Categories", ", ".join(c.title() for c in view.state.categories)
                        or "none"))
    snapshot.filters = tuple(filters)
    if view.empty_message:
        snapshot.empty_message = view.empty_message
        return snapshot
    targets = targets_for(ctx.db, viewer, service.code, view.state.period)
    snapshot.headlines = [kpi_headline(item, view, targets.get(item.kpi.code))
                          for item in view.kpis]
    snapshot.panels = [snapshot_panel(data) for data in view.panels]
    codes = [h.code for h in snapshot.headlines] + [m for p in snapshot.panels
                                                    for m in p.metrics]
    snapshot.definitions = _definitions(codes)
    snapshot.footnotes = (
        f"Each figure is compared with the same period a year earlier ({view.comparison_label})"
        "; a total is not compared with an earlier period that is less complete.",
        "Missing months are never counted as zero; incomplete periods are marked.",
    )
    return snapshot


# --- the Benchmark page -------------------------------------------------------------------------

def _benchmark(ctx, viewer, query: dict) -> Snapshot:
    state, problems = parse_benchmark_state(query)
    view = cached_benchmark(ctx, viewer, state, problems)
    service = view.service
    title = f"Benchmark: {view.period_label}" if view.period_label else "Benchmark"
    shown = parse_qs(view.state.to_query().lstrip("?")) if service else query
    snapshot = _base(ctx, viewer, "benchmark", shown, service, title, view.period_label)
    snapshot.messages = tuple(view.messages)
    if service is None or view.empty_message or view.focus is None:
        snapshot.empty_message = view.empty_message or "There is nothing to compare."
        return snapshot
    c = view.focus
    metric = CATALOGUE[c.metric]
    per_text = denominator_text(view.state.per, service.sector, service.population_unit)
    group_text = view.group.description if view.group else ""
    snapshot.filters = (
        ("Financial year", view.period_label),
        ("Measure", metric.name),
        ("Show figures", f"{NORMALISATION_LABELS[view.state.per]}"
                         + (f" ({per_text})" if per_text else "")),
        ("Peer group", group_text),
    )
    # The headline is the measure the page focuses on (its summary tiles); the league table
    # panel holds every headline measure.
    focus = [comp for comp in view.league if comp.metric == c.metric] or [c]
    for comp in focus:
        m = CATALOGUE[comp.metric]

        def shown_as(value, comp=comp):
            return comparison_text(value, comp)

        facts = Facts(m, comp.own_value, view.period_label, rank=comp.rank,
                      rank_of=comp.rank_of, peer_median=comp.median,
                      peers_withheld=comp.withheld, label=caption_label(m)
                      + (f" {comp.denominator}" if comp.denominator else ""))
        caption = _benchmark_caption(facts, comp, shown_as)
        details = [comp.reporting_text]
        if not comp.withheld:
            details += [f"Peer median {shown_as(comp.median)}",
                        f"Middle half {shown_as(comp.q1)} to {shown_as(comp.q3)}",
                        f"Percentile {percentile_text(comp.percentile)}"]
        snapshot.headlines.append(Headline(
            comp.metric, m.name + (f" {comp.denominator}" if comp.denominator else ""),
            shown_as(comp.own_value), "withheld" if comp.withheld else comp.rank_text,
            {"best": "good", "worst": "bad"}.get(
                quartile_band(comp.own_value, comp.q1, comp.q3, comp.higher_is_better),
                "neutral"), caption, ICONS.get(comp.metric, ""), tuple(details),
            comp.own_value, comp.denominator or unit_words(m)))
    snapshot.panels = benchmark_panels(view)
    snapshot.definitions = _definitions([comp.metric for comp in view.league] + [c.metric])
    min_peers = ctx.config["BENCHMARK_MIN_PEERS"]
    snapshot.footnotes = (
        f"Quartiles: {QUARTILE_METHOD}.",
        "Percentile: the share of peers below this service, ties counting half.",
        "Peers are named only when their figures are published; others are lettered afresh "
        "for every measure.",
        f"Figures are withheld when fewer than {min_peers} peers have data.",
        f"Peer group: {group_text}." if group_text else "",
    )
    snapshot.footnotes = tuple(f for f in snapshot.footnotes if f)
    return snapshot


def _benchmark_caption(facts: Facts, comp, shown_as) -> str:
    label = facts.label
    if comp.own_value is None:
        return f"No figure for {label} in {facts.period_label}."
    sentence = f"{label}: {shown_as(comp.own_value)} in {facts.period_label}"
    if comp.withheld:
        return sentence + "; peer figures withheld (too few peers have data)."
    rank = rank_clause(facts)
    if rank:
        sentence += f", {rank}"
    if comp.median is not None:
        sentence += f"; peer median {shown_as(comp.median)}"
    return sentence + "."


# --- the executive view -------------------------------------------------------------------------

def executive_headlines(view: ExecutiveView) -> list[Headline]:
    """Put the executive view's figures into words (shared by the page's snapshot and slides)."""
    headlines = []
    for item in view.items:
        kpi, metric = item.kpi, item.metric
        change = change_line(kpi, metric, view.comparison_label)
        details = []
        if item.target is not None:
            met = item.target_met
            state = "" if met is None else (" (met)" if met else " (not met)")
            details.append(f"Target {format_value(item.target, metric)}{state}")
        if item.peer_text:
            details.append(item.peer_text)
        if item.rank_text:
            details.append(f"Rank {item.rank_text}")
        headlines.append(Headline(item.code, metric.name, item.value_text, change,
                                  kpi.assessment, item.caption, item.icon, tuple(details),
                                  kpi.value, unit_words(metric)))
    return headlines


def _executive(ctx, viewer, query: dict) -> Snapshot:
    state = parse_executive_state(query)
    view = cached_executive(ctx, viewer, state)
    service = view.service
    title = f"Executive summary: {view.period_label}" if view.period_label else \
        "Executive summary"
    shown = parse_qs(view.state.to_query().lstrip("?")) if service else query
    snapshot = _base(ctx, viewer, "executive", shown, service, title, view.period_label)
    snapshot.messages = tuple(view.messages)
    if service is None or view.empty_message:
        snapshot.empty_message = view.empty_message or "There is no service to show yet."
        return snapshot
    snapshot.filters = (
        ("Period", f"{_period_words(view.dashboard.state)} ({view.period_label})"),
        ("Compared with", view.comparison_label),
        ("Similar services", view.group_description),
    )
    snapshot.headlines = executive_headlines(view)
    snapshot.panels = executive_panels(view)
    snapshot.definitions = _definitions([item.code for item in view.items])
    snapshot.footnotes = (
        f"Last year: the same period a year earlier ({view.comparison_label}).",
        "Targets are shown where one is set for exactly this period.",
        f"Similar services: {view.group_description}." if view.group_description else "",
        f"Peer figures are withheld when fewer than {ctx.config['BENCHMARK_MIN_PEERS']} "
        "similar services have data; a rank is given only where the peers' figure is the "
        "one shown.",
    )
    snapshot.footnotes = tuple(f for f in snapshot.footnotes if f)
    return snapshot


# --- entry point --------------------------------------------------------------------------------

def build_snapshot(ctx, viewer, page: str, query: dict, base_url: str | None = None) -> Snapshot:
    """Build the snapshot of a view (page key and query, as parse_url returns them).

    `base_url` is Shelfmark's address for the file's links (default: public_url's answer).
    """
    if page not in PAGE_PATHS:
        raise SnapshotError(f"unknown page {page!r}")
    query = clean_query(page, query)
    if page == "benchmark":
        snapshot = _benchmark(ctx, viewer, query)
    elif page == "executive":
        snapshot = _executive(ctx, viewer, query)
    else:
        snapshot = _dashboard(ctx, viewer, page, query)
    if base_url is not None:
        snapshot.base_url = base_url
    return snapshot


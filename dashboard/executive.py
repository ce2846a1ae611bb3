"""Assemble the executive view: a handful of headline figures for one service and period, each
against last year, its target and the median of similar services, with a caption in words.

The state is the dashboard's (service, first and last month) plus a peer group in the
Benchmark page's link form. Peer figures obey the benchmark's sensitivity rules: nothing about
peers is said when they are withheld, and the rank appears only where the peer comparison is of
the same figure the tile shows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from .benchmarking.compare import Comparison, compare
from .benchmarking.definition import from_query
from .benchmarking.selection import build_group
from .benchmarking.view import DEFAULT_PEERS, peers_from_link, shared_candidates, shared_tables
from .captions import Facts, headline_caption, peer_line
from .catalogue import CATALOGUE
from .compute import Kpi
from .db.services import data_as_of
from .db.targets import targets_for
from .formatting import format_value
from .state import ViewState, parse_state
from .views import DashboardView, build_view

ICONS = {  # Bootstrap Icons names (assets/vendor/bootstrap-icons)
    "searches": "search", "enquiries_total": "chat-left-text", "trained_total": "mortarboard",
    "eresource_sessions": "laptop", "registered_pct": "person-check",
    "impact_patient_care_pct": "heart-pulse", "exp_total": "cash-coin",
    "qualified_ratio": "people", "visits": "door-open", "pls_circulation": "book",
    "loans": "book-half", "pls_programme_attendance": "calendar-event",
    "pls_registered_borrowers": "person-vcard", "ace_active_users": "person-check",
    "pls_exp_total_operating": "cash-coin", "pls_total_staff_fte": "people",
}
GROUP_NOUN = "similar services"


@dataclass(frozen=True)
class ExecutiveState:
    """The executive view's state, as in its URL: the dashboard filters and a peer group."""

    view: ViewState
    peers: str = DEFAULT_PEERS

    def to_query(self) -> str:
        params = {"service": self.view.service,
                  "from": self.view.start and f"{self.view.start:%Y-%m}",
                  "to": self.view.end and f"{self.view.end:%Y-%m}",
                  "peers": self.peers if self.peers != DEFAULT_PEERS else None}
        return "?" + urlencode({k: v for k, v in params.items() if v})


def parse_executive_state(query: dict) -> ExecutiveState:
    """Read the state from untrusted query parameters (problems are kept on the view state)."""
    view = parse_state({k: query[k] for k in ("service", "from", "to") if k in query})
    peers, peer_problems = peers_from_link(query.get("peers"))
    problems = list(view.problems) + peer_problems
    return ExecutiveState(replace(view, problems=tuple(problems)), peers)


@dataclass
class ExecutiveItem:
    """One headline figure with everything it is compared against."""

    code: str
    icon: str
    kpi: Kpi
    target: float | None
    comparison: Comparison | None
    facts: Facts
    caption: str

    @property
    def metric(self):
        return CATALOGUE[self.code]

    @property
    def value_text(self) -> str:
        return format_value(self.kpi.value, self.metric)

    @property
    def target_met(self) -> bool | None:
        """Say whether the target is met (None: no target, or no better direction)."""
        better = self.metric.higher_is_better
        if self.target is None or self.kpi.value is None or better is None:
            return None
        return self.kpi.value >= self.target if better else self.kpi.value <= self.target

    @property
    def peer_text(self) -> str:
        return peer_line(self.facts)

    @property
    def rank_text(self) -> str:
        c = self.comparison
        if c is None or c.withheld or self.facts.rank is None:
            return ""
        return f"{c.rank_text} ({c.reporting_text})"


@dataclass
class ExecutiveView:
    """Everything the executive view shows."""

    state: ExecutiveState
    dashboard: DashboardView
    items: list[ExecutiveItem] = field(default_factory=list)
    group_description: str = ""
    group_size: int = 0
    data_as_of: dt.datetime | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def service(self):
        return self.dashboard.service

    @property
    def period_label(self) -> str:
        return self.dashboard.period_label

    @property
    def comparison_label(self) -> str:
        return self.dashboard.comparison_label

    @property
    def empty_message(self) -> str | None:
        return self.dashboard.empty_message


def _same_figure(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def build_executive(ctx, viewer, state: ExecutiveState, candidates=None,
                    tables=None) -> ExecutiveView:
    """Compute the executive view: headline KPIs, targets, peer comparisons and captions.

    `ctx` is the app context (database, settings, shared cache); `candidates` and `tables`
    default to the shared ones the Benchmark page uses.
    """
    db, config = ctx.db, ctx.config
    dashboard = build_view(db, viewer, config, "executive", state.view)
    view = ExecutiveView(replace(state, view=dashboard.state), dashboard,
                         messages=list(dashboard.messages))
    service = dashboard.service
    if service is None or dashboard.empty_message:
        return view
    period = dashboard.state.period
    view.data_as_of = data_as_of(db, viewer, service.code)
    targets = targets_for(db, viewer, service.code, period)
    codes = [item.kpi.code for item in dashboard.kpis]
    comparisons: dict[str, Comparison] = {}
    if codes:
        if candidates is None:
            candidates = shared_candidates(ctx, viewer)
        if tables is None:
            tables = shared_tables(ctx, viewer)
        definition, _ = from_query(state.peers)
        group = build_group(db, viewer, config, service.code, definition,
                            candidates=candidates)
        view.group_description = group.description
        view.group_size = len(group.members)
        view.messages += group.problems
        table = tables(service.sector, period)
        found = compare(db, viewer, config, service.code, group.members, codes, period,
                        group_key=state.peers, with_peers=False, table=table,
                        directory=candidates.directory)
        comparisons = {c.metric: c for c in found}
    for item in dashboard.kpis:
        kpi = item.kpi
        c = comparisons.get(kpi.code)
        comparable = kpi.change is not None
        same = c is not None and _same_figure(c.own_value, kpi.value)
        facts = Facts(
            metric=CATALOGUE[kpi.code], value=kpi.value, period_label=view.period_label,
            previous=kpi.previous if comparable else None,
            previous_label=view.comparison_label,
            target=targets.get(kpi.code),
            rank=c.rank if same and not c.withheld else None,
            rank_of=c.rank_of if same and not c.withheld else None,
            peer_median=c.median if c is not None and not c.withheld else None,
            peers_withheld=bool(c is not None and c.withheld),
            group_noun=GROUP_NOUN,
        )
        view.items.append(ExecutiveItem(kpi.code, ICONS.get(kpi.code, "bar-chart"), kpi,
                                        targets.get(kpi.code), c, facts,
                                        headline_caption(facts)))
    return view


def cached_executive(ctx, viewer, state: ExecutiveState) -> ExecutiveView:
    """Return the executive view through the app's shared cache (page and snapshots share it)."""
    return ctx.cached(("executive", viewer, state.view.to_query(), state.peers,
                       state.view.problems),
                      lambda: build_executive(ctx, viewer, state))

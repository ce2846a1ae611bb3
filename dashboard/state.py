"""Parse, validate and serialise the view state (filters) carried in the URL query string."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from .periods import (GRANULARITIES, PeriodRange, add_months, financial_year_range, fy_year,
                      month_key, parse_month)

DASHBOARD_CATEGORIES = ("staffing", "finance", "activity", "impact")
SERVICE_CODE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")  # a service code as links carry it (fullmatch)


@dataclass(frozen=True)
class ViewState:
    """What the user is looking at: service, months, granularity and categories."""

    service: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    granularity: str = "month"
    categories: tuple[str, ...] = DASHBOARD_CATEGORIES
    problems: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self) -> str:
        """Serialise to a URL query string (with the leading '?')."""
        return self._query

    @cached_property
    def _query(self) -> str:
        params = {}
        if self.service:
            params["service"] = self.service
        if self.start:
            params["from"] = month_key(self.start)
        if self.end:
            params["to"] = month_key(self.end)
        params["granularity"] = self.granularity
        if tuple(self.categories) != DASHBOARD_CATEGORIES:
            params["categories"] = ",".join(self.categories) or "none"
        return "?" + urlencode(params)

    @cached_property
    def period(self) -> PeriodRange | None:
        """The months chosen, once both ends are known."""
        if self.start and self.end:
            return PeriodRange(self.start, self.end)
        return None


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def parse_state(query: dict) -> ViewState:
    """Build a ViewState from untrusted query parameters, collecting problems, never raising."""
    problems: list[str] = []
    service = _first(query.get("service"))
    if service is not None:
        service = str(service).strip()
        if not SERVICE_CODE.fullmatch(service):
            problems.append("The service code in the link is not valid and was ignored.")
            service = None
    start = end = None
    for key in ("from", "to"):
        raw = _first(query.get(key))
        if raw in (None, ""):
            continue
        try:
            month = parse_month(str(raw))
        except ValueError:
            problems.append(f"'{key}' in the link must be a month like 2024-04; it was ignored.")
            continue
        if key == "from":
            start = month
        else:
            end = month
    if start and end and end < start:
        problems.append("The period ended before it started, so its first and last months "
                        "were swapped.")
        start, end = end, start
    granularity = str(_first(query.get("granularity")) or "month")
    if granularity not in GRANULARITIES:
        problems.append("Unknown granularity in the link; showing months.")
        granularity = "month"
    categories = DASHBOARD_CATEGORIES
    raw_categories = _first(query.get("categories"))
    if raw_categories:
        if raw_categories == "none":
            categories = ()
        else:
            wanted = [c for c in str(raw_categories).split(",") if c]
            valid = tuple(c for c in DASHBOARD_CATEGORIES if c in wanted)
            if len(valid) != len(wanted):
                problems.append("Some categories in the link are unknown and were ignored.")
            categories = valid
    return ViewState(service, start, end, granularity, categories, tuple(problems))


def unknown_service_note(code: str) -> str:
    """Say that the service code in a link names no service, so the first one is shown."""
    return f"No service with code '{code}' is available; showing the first service instead."


def resolve_period(state: ViewState, extent: tuple[dt.date, dt.date] | None,
                   fy_start_month: int) -> ViewState:
    """Fill in a default period where the state has none: the latest financial year complete in
    the data (the data's whole extent when it holds no complete year)."""
    if extent is None:
        return state
    first, last = extent
    start, end = state.start, state.end
    if start is None or end is None:
        # Default: the most recent financial year that is complete in the data.
        fy = fy_year(last, fy_start_month)
        candidate = financial_year_range(fy, fy_start_month)
        if candidate.end > last:
            candidate = financial_year_range(fy - 1, fy_start_month)
        if candidate.start < first:
            candidate = PeriodRange(first, last)
        start = start or candidate.start
        end = end or max(candidate.end, start)
        if end < start:
            end = start
    return replace(state, start=start, end=end)


def month_options(extent: tuple[dt.date, dt.date] | None,
                  chosen: tuple[dt.date | None, ...] = ()) -> list[dt.date]:
    """List the months a period picker offers, oldest first: the data's months plus the chosen
    ones (a period outside the data stays selected, and the page says it has no figures)."""
    months = set()
    if extent is not None:
        current, last = extent
        while current <= last:
            months.add(current)
            current = add_months(current, 1)
    months.update(m for m in chosen if m)
    return sorted(months)


__all__ = ["ViewState", "parse_state", "resolve_period", "month_options"]

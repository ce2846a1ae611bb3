"""Wire the Benchmark page: controls become a new URL state; saved peer groups.

Every control is untrusted input: values are checked here (codes, numbers, choices) and the
resulting peer definition is validated by dashboard.benchmarking.definition before it reaches
the URL.
"""

from __future__ import annotations

from dash import Input, Output, State, callback_context, no_update

from dashboard import context
from dashboard.benchmarking.compare import NORMALISATIONS
from dashboard.benchmarking.definition import (ACE_NEIGHBOURS, COMPUTED, MAX_MANUAL, MAX_NEIGHBOURS,
                                               QUANTILE_RANGE, SAME, PeerDefinition, SizeBand,
                                               from_query, to_query)
from dashboard.benchmarking.saved import MAX_NAME, list_groups, load_group, save_group
from dashboard.benchmarking.view import parse_benchmark_state
from dashboard.state import SERVICE_CODE
from layouts import ids

SAME_NAMES = ("source", "org_type", "region", "state", "locale")
SIZES = {f"q{n}": n for n in range(QUANTILE_RANGE[0], QUANTILE_RANGE[1] + 1)}
CUSTOM = "custom"  # the size control's value for population bounds set in the link


def definition_from_controls(current: PeerDefinition, same, size, neighbours, source,
                             manual) -> PeerDefinition:
    """Change the current peer definition by the controls' (untrusted) values; raise
    ValueError.

    The controls own the "same as mine" ticks, the quantile size band, the number and source
    of neighbours and the services chosen by hand; everything else in the definition (its
    sector, filters with explicit values, population bounds, the attributes neighbours are
    computed on) is kept as it is, so a link's group is never silently simplified.
    """
    same = [n for n in (same or []) if isinstance(n, str) and n in SAME_NAMES] \
        if isinstance(same, list) else []
    if isinstance(size, str) and size in SIZES:
        band = SizeBand.quantile(SIZES[size])
    elif size == CUSTOM and current.size is not None and current.size.quantiles is None:
        band = current.size
    else:
        band = None
    k = None
    if neighbours not in (None, ""):
        if isinstance(neighbours, bool) or not isinstance(neighbours, (int, float)) or \
                neighbours != int(neighbours) or not 1 <= neighbours <= MAX_NEIGHBOURS:
            raise ValueError(f"the number of neighbours must be a whole number from 1 to "
                             f"{MAX_NEIGHBOURS}")
        k = int(neighbours)
    nn_source = source if source in (COMPUTED, ACE_NEIGHBOURS) else COMPUTED
    codes = tuple(dict.fromkeys(c for c in (manual or []) if isinstance(c, str) and
                                SERVICE_CODE.fullmatch(c))) if isinstance(manual, list) else ()
    kept = [(n, v) for n, v in current.filters if not (n in SAME_NAMES and v == (SAME,))]
    ticked = [(n, (SAME,)) for n in sorted(same) if n not in dict(kept)]
    sector = current.sector
    if sector is None and not any(n == "sector" for n, _ in kept) and not codes:
        sector = SAME  # a group of chosen services only, widened by a control
    return PeerDefinition(sector=sector, filters=tuple(kept + ticked), size=band,
                          neighbours=k, neighbour_source=nn_source,
                          neighbour_attributes=current.neighbour_attributes,
                          neighbour_scale=current.neighbour_scale,
                          manual=codes[:MAX_MANUAL])


def navigate(service, fy, metric, per, same, size, neighbours, source, manual, saved,
             current_peers, shown=None):
    """Turn the controls into the page's new address (the page redraws from it); stay put
    when it is the view already shown (as when the page first draws its controls), so the
    page's notes about a link's ignored values stay on screen."""
    trigger = callback_context.triggered_id
    query = {"service": service if isinstance(service, str) else None,
             "fy": str(fy) if isinstance(fy, int) and not isinstance(fy, bool) else None,
             "metric": metric if isinstance(metric, str) else None,
             "per": per if per in NORMALISATIONS else "raw"}
    if trigger == ids.BENCHMARK_SAVED:
        if not isinstance(saved, str):
            return no_update
        group = load_group(context.current().db, context.current_viewer(), saved[:MAX_NAME])
        if group is None:
            return no_update
        query["peers"] = to_query(group.definition)
    elif trigger in (ids.BENCHMARK_SERVICE, ids.BENCHMARK_FY, ids.BENCHMARK_METRIC,
                     ids.BENCHMARK_PER):
        query["peers"] = current_peers if isinstance(current_peers, str) else ""
    else:
        current, _ = from_query(current_peers if isinstance(current_peers, str) else "")
        try:
            query["peers"] = to_query(
                definition_from_controls(current, same, size, neighbours, source, manual))
        except ValueError:
            return no_update
    state, _ = parse_benchmark_state({k: v for k, v in query.items() if v is not None})
    if state.to_query() == shown:
        return no_update
    return "/benchmark" + state.to_query()


def save(n_clicks, name, current_peers):
    """Save the current peer group under a name."""
    if not n_clicks:
        return no_update, no_update
    if not isinstance(current_peers, str) or not current_peers.strip():
        return "This group cannot be saved: it has no definition.", no_update
    definition, problems = from_query(current_peers)
    if problems:
        return "This group cannot be saved: " + "; ".join(problems), no_update
    ctx = context.current()
    try:
        save_group(ctx.db, context.current_viewer(), name if isinstance(name, str)
                   else "", definition, created_by="web")
    except ValueError as exc:
        return str(exc), no_update
    groups = list_groups(ctx.db, context.current_viewer())
    return f"Saved as {name.strip()!r}.", [{"label": g.name, "value": g.name} for g in groups]


def register(app) -> None:
    """Register the Benchmark page's callbacks."""
    app.callback(
        Output(ids.PAGES_LOCATION, "href"),
        Input(ids.BENCHMARK_SERVICE, "value"),
        Input(ids.BENCHMARK_FY, "value"),
        Input(ids.BENCHMARK_METRIC, "value"),
        Input(ids.BENCHMARK_PER, "value"),
        Input(ids.BENCHMARK_SAME, "value"),
        Input(ids.BENCHMARK_SIZE, "value"),
        Input(ids.BENCHMARK_NEIGHBOURS, "value"),
        Input(ids.BENCHMARK_NEIGHBOUR_SOURCE, "value"),
        Input(ids.BENCHMARK_MANUAL, "value"),
        Input(ids.BENCHMARK_SAVED, "value"),
        State(ids.BENCHMARK_PEERS, "data"),
        State(ids.URL_SEARCH, "data"),
        prevent_initial_call=True,
    )(navigate)
    app.callback(
        Output(ids.BENCHMARK_SAVE_MESSAGE, "children"),
        Output(ids.BENCHMARK_SAVED, "options"),
        Input(ids.BENCHMARK_SAVE, "n_clicks"),
        State(ids.BENCHMARK_SAVE_NAME, "value"),
        State(ids.BENCHMARK_PEERS, "data"),
        prevent_initial_call=True,
    )(save)

"""Build the presentation mode page (/present): a view's snapshot as full-screen slides.

Every slide is in the page from the start and only one is shown, so moving between slides is
instant (assets/zz-shelfmark/present.js switches them); the first one shown is the link's
`slide`. The look is scoped under `.present-mode` (assets/zz-shelfmark/present.css).
"""

from __future__ import annotations

import logging
import math
from urllib.parse import parse_qsl, urlencode

from dash import dcc, html

from dashboard import context
from dashboard.catalogue import CATALOGUE
from dashboard.figures.presentation import presentation_figure
from dashboard.formatting import format_number
from dashboard.presentation import Slide, change_words, plan_slides, slide_number
from dashboard.snapshot.build import PAGE_PATHS, SnapshotError, build_snapshot
from dashboard.snapshot.model import Headline, Snapshot, SnapshotPanel

from . import ids

log = logging.getLogger(__name__)

PATH = "/present"
LOGO_PATH = "/branding/logo"  # the organisation logo (callbacks/downloads.py)
CATEGORY_ICONS = {"staffing": "people", "finance": "cash-coin", "activity": "graph-up-arrow",
                  "impact": "heart-pulse", "context": "info-circle"}
ARROWS = {"+": "bi-arrow-up-right", "-": "bi-arrow-down-right", "−": "bi-arrow-down-right"}
GRAPH_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}
TABLE_ROWS = 200  # rows of a chart's data read out to screen readers
CHART_HEIGHT = 440  # px of a panel slide's chart at 1280x720 (it grows with the screen)
NO_LINK = "This address does not say which page to present."


def present_href(page_key: str, query_string: str) -> str:
    """Return the address that presents a page with its filters: /present?page=KEY&<query>."""
    pairs = [(k, v) for k, v in parse_qsl((query_string or "").lstrip("?"))
             if k not in ("page", "slide")]
    return f"{PATH}?" + urlencode([("page", page_key), *pairs])


# --- the page -----------------------------------------------------------------------------------

def _page_key(page) -> str:
    """Return a presentable page key from the untrusted `page` parameter, or say why not."""
    if isinstance(page, (list, tuple)):
        page = page[0] if page else None
    pages = ", ".join(PAGE_PATHS)
    if not isinstance(page, str) or not page.strip():
        raise SnapshotError(f"{NO_LINK} Open a presentation with the Present button of a "
                            f"dashboard page, or add page= and one of: {pages}.")
    if page not in PAGE_PATHS:
        shown = page if len(page) <= 40 else page[:40] + "…"
        raise SnapshotError(f"There is no page called {shown!r} to present. Pages that can be "
                            f"presented: {pages}.")
    return page


def layout(page=None, slide=None, **query) -> html.Div:
    """Return the presentation of ?page=KEY and that page's own query, starting at ?slide=N.

    Anything wrong with the link (an unknown page, bad filter values) is said on a slide.
    """
    try:
        key = _page_key(page)
        snapshot = build_snapshot(context.current(), context.current_viewer(), key, query)
        slides = plan_slides(snapshot)
        return deck(slides, snapshot, slide_number(slide, len(slides)))
    except SnapshotError as exc:
        return deck([Slide("message", "This presentation cannot be shown", message=str(exc))],
                    None, 1)
    except Exception:  # never a stack trace on the screen
        log.exception("could not build the presentation of %r", page)
        return deck([Slide("message", "This presentation cannot be shown",
                           message="Sorry, this presentation could not be made. The problem "
                                   "has been logged.")], None, 1)


def deck(slides: list[Slide], snapshot: Snapshot | None, current: int) -> html.Div:
    """Return the whole presentation: every slide (one shown), the controls and a live region."""
    count = len(slides)
    exit_url = snapshot.url if snapshot is not None else "/"
    sections = [slide_section(slide, number, count, snapshot, number == current)
                for number, slide in enumerate(slides, start=1)]
    return html.Div([
        dcc.Store(id=ids.PRESENT_DECK, data={"count": count, "current": current,
                                             "exit": exit_url}),
        html.Div(id=ids.PRESENT_READY, hidden=True),
        html.Div(id=ids.PRESENT_ANNOUNCE, className="visually-hidden",
                 **{"aria-live": "polite", "aria-atomic": "true"}),
        html.Main(sections, id=ids.PRESENT_STAGE, className="present-stage", tabIndex="-1",
                  **{"aria-label": "Presentation"}),
        controls(count, current, exit_url),
    ], id=ids.PRESENT, className="present-mode",
        **{"data-count": str(count), "data-current": str(current), "data-exit": exit_url})


def controls(count: int, current: int, exit_url: str) -> html.Nav:
    """Return the bar of buttons: exit, full screen, previous, the counter, next."""
    def icon(name: str) -> html.I:
        return html.I(className=f"bi bi-{name}", **{"aria-hidden": "true"})

    return html.Nav([
        dcc.Link([icon("x-lg"), html.Span("Exit")], href=exit_url, id=ids.PRESENT_EXIT,
                 className="present-button", title="Leave the presentation (Escape)"),
        html.Button([icon("arrows-fullscreen"), html.Span("Full screen")],
                    id=ids.PRESENT_FULLSCREEN, type="button", className="present-button",
                    title="Full screen on or off (F)", **{"aria-pressed": "false"}),
        html.Div(className="present-controls-gap"),
        html.Button([icon("chevron-left"), html.Span("Previous")], id=ids.PRESENT_PREV,
                    type="button", className="present-button", disabled=current <= 1,
                    title="Previous slide (Left arrow, Page Up)",
                    **{"aria-label": "Previous slide"}),
        html.Div(f"{current} / {count}", id=ids.PRESENT_COUNTER, className="present-counter",
                 **{"aria-hidden": "true"}),
        html.Button([html.Span("Next"), icon("chevron-right")], id=ids.PRESENT_NEXT,
                    type="button", className="present-button", disabled=current >= count,
                    title="Next slide (Right arrow, Page Down, Space)",
                    **{"aria-label": "Next slide"}),
    ], className="present-controls", **{"aria-label": "Presentation controls"})


def slide_section(slide: Slide, number: int, count: int, snapshot: Snapshot | None,
                  shown: bool) -> html.Section:
    """Return one slide as a labelled section (hidden unless it is the one shown)."""
    body = {"title": title_slide, "headlines": headline_slide, "panel": panel_slide,
            "definitions": definitions_slide, "message": message_slide}[slide.kind]
    return html.Section(
        body(slide, number, snapshot), id=f"{ids.PRESENT_SLIDE}-{number}",
        className=f"present-slide present-slide-{slide.kind}", hidden=not shown,
        **{"aria-label": f"Slide {number} of {count}: {slide.title}",
           "data-title": slide.title, "data-number": str(number)})


# --- slides -------------------------------------------------------------------------------------

def _notice(children, kind: str = "warning") -> html.Div:
    return html.Div(children, className=f"present-notice present-notice-{kind}", role="note")


def title_slide(slide: Slide, _number: int, snapshot: Snapshot | None) -> list:
    """Return the title slide: what, whose, when, with which filters, how current and from
    where, and the demo-data notice."""
    if snapshot is None:
        return [html.H1(slide.title)]
    children = []
    if snapshot.organisation or snapshot.logo:
        brand = []
        if snapshot.logo:
            brand.append(html.Img(src=LOGO_PATH, className="present-logo",
                                  alt=f"{snapshot.organisation} logo" if snapshot.organisation
                                  else "Organisation logo"))
        if snapshot.organisation:
            brand.append(html.Span(snapshot.organisation))
        children.append(html.Div(brand, className="present-organisation"))
    children.append(html.H1(snapshot.title, className="present-title"))
    if snapshot.service_name:
        children.append(html.P(snapshot.service_name, className="present-service"))
        details = " · ".join(d for d in (snapshot.service_code, snapshot.subtitle) if d)
        children.append(html.P(details, className="present-subtitle"))
    filters = [(label, value) for label, value in snapshot.filters
               if label != "Library service" and value]
    if filters:
        children.append(html.Dl([part for label, value in filters for part in
                                 (html.Dt(label), html.Dd(value))], className="present-filters"))
    facts = [snapshot.as_of_text if snapshot.service_code else "",
             f"Source: {snapshot.source}" if snapshot.source else ""]
    if any(facts):
        children.append(html.P(" · ".join(f for f in facts if f), className="present-facts"))
    if snapshot.synthetic:
        children.append(_notice([html.I(className="bi bi-exclamation-triangle-fill",
                                        **{"aria-hidden": "true"}),
                                 html.Span(snapshot.synthetic_notice)], "synthetic"))
    if snapshot.messages:
        children.append(_notice([html.I(className="bi bi-info-circle-fill",
                                        **{"aria-hidden": "true"}),
                                 html.Span([html.Strong("Some values in the link were not "
                                                        "used: "),
                                            " ".join(snapshot.messages)])]))
    return children


def _arrow(change: str):
    arrow = ARROWS.get(change.strip()[:1]) if change else None
    return html.I(className=f"bi {arrow}", **{"aria-hidden": "true"}) if arrow else None


def _icon_name(headline: Headline) -> str:
    if headline.icon:
        return headline.icon
    metric = CATALOGUE.get(headline.code)
    return CATEGORY_ICONS.get(getattr(metric, "category", ""), "bar-chart-line")


def headline_tile(headline: Headline, page: str, details: bool = True) -> html.Div:
    """Return a headline figure as a big tile: icon and label, value, change, caption (and
    the detail lines if `details`)."""
    words = change_words(headline, page)
    change = []
    if headline.change:
        change = [_arrow(headline.change), html.Span(headline.change)]
        if words:
            change.append(html.Strong(f" ({words})", className="present-assessment"))
    children = [
        html.Div([html.I(className=f"bi bi-{_icon_name(headline)}", **{"aria-hidden": "true"}),
                  html.H3(headline.label)], className="present-tile-label"),
        html.Div([html.Span(headline.value, className="present-tile-value"),
                  html.Span([c for c in change if c is not None],
                            className=f"present-tile-change {headline.assessment}")],
                 className="present-tile-figures"),
    ]
    if headline.caption:
        children.append(html.P(headline.caption, className="present-tile-caption"))
    if details and headline.details:
        children.append(html.P(" · ".join(headline.details), className="present-tile-details"))
    return html.Div(children, className=f"present-tile {headline.assessment}")


def headline_slide(slide: Slide, _number: int, snapshot: Snapshot | None) -> list:
    """Return a slide of up to four headline tiles (as many as dashboard.presentation chose)."""
    page = snapshot.page if snapshot else ""
    return [html.H2(slide.title),
            html.Div([headline_tile(h, page, slide.details) for h in slide.headlines],
                     className=f"present-tiles present-tiles-{len(slide.headlines)}")]


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(float(value))
    return str(value)


def data_table(panel: SnapshotPanel) -> html.Div:
    """Return the figures behind a chart as a table only screen readers see."""
    table = panel.table
    rows = table.head(TABLE_ROWS).itertuples(index=False) if table is not None else []
    columns = list(table.columns) if table is not None else []
    more = len(table) - TABLE_ROWS if table is not None and len(table) > TABLE_ROWS else 0
    return html.Div(html.Table([
        html.Caption(f"Figures in the chart: {panel.title}"
                     + (f" (the first {TABLE_ROWS} of {len(table):,} rows)" if more else "")),
        html.Thead(html.Tr([html.Th(c, scope="col") for c in columns])),
        html.Tbody([html.Tr([html.Td(_cell(v)) for v in row]) for row in rows]),
    ]), className="visually-hidden")


def panel_slide(slide: Slide, number: int, _snapshot: Snapshot | None) -> list:
    """Return a panel's slide: its title, caption in large type, the chart (or why there is
    none), how to read it and its notes."""
    panel = slide.panel
    children = [html.H2(panel.title)]
    if panel.caption and panel.caption != panel.empty_message:
        children.append(html.P(panel.caption, className="present-caption"))
    if panel.has_chart:
        children.append(html.Div(
            dcc.Graph(id=f"{ids.PRESENT_GRAPH}-{number}",
                      figure=presentation_figure(panel.figure, height=CHART_HEIGHT,
                                                 show_title=False),
                      config=GRAPH_CONFIG, responsive=True, className="present-graph",
                      style={"height": "100%", "width": "100%"}),
            className="present-chart", role="img",
            **{"aria-label": panel.alt_text or panel.title}))
        children.append(data_table(panel))
    else:
        children.append(html.Div([
            html.I(className="bi bi-bar-chart-line", **{"aria-hidden": "true"}),
            html.P(panel.empty_message or "There is nothing to draw for this panel.")],
            className="present-empty"))
    small = [panel.description, *panel.notes]
    if any(small):
        children.append(html.Ul([html.Li(text) for text in small if text],
                                className="present-notes"))
    return children


def definitions_slide(slide: Slide, _number: int, _snapshot: Snapshot | None) -> list:
    """Return a closing slide: definitions of the measures shown, then notes on method."""
    children = [html.H2(slide.title)]
    if slide.definitions:
        children.append(html.Dl([part for d in slide.definitions for part in (
            html.Dt([d.name, *([html.Span(f", in {d.unit}", className="present-unit")]
                               if d.unit and d.unit != "Number" else [])]),
            html.Dd(d.definition or "No definition recorded."))],
            className="present-definitions"))
    if slide.footnotes:
        children.append(html.H3("Notes", className="present-notes-heading"))
        children.append(html.Ul([html.Li(f) for f in slide.footnotes],
                                className="present-footnotes"))
    return children


def message_slide(slide: Slide, number: int, _snapshot: Snapshot | None) -> list:
    """Return a slide that says, in words, why there is nothing (more) to show."""
    heading = html.H1 if number == 1 else html.H2
    return [heading(slide.title),
            html.Div([html.I(className="bi bi-info-circle", **{"aria-hidden": "true"}),
                      html.P(slide.message)], className="present-empty"),
            html.P("Press Escape or Exit to leave the presentation.", className="present-hint")]

"""Write a snapshot as one standalone web page: interactive charts that work offline.

Everything is inline: plotly.js (the 1.5 MB cartesian bundle from npm, shipped in `vendor/`,
or plotly.py's full bundle when a figure needs another trace type), the styles and each
figure's JSON. Nothing is fetched from the network: no script or stylesheet addresses, no
MathJax, no map data. All text is escaped (service names are user data); figure JSON has its
`<`, `>` and `&` written as JSON escapes so it cannot close the script that holds it.
"""

from __future__ import annotations

import html
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from . import words
from .charts import template_json, untitled
from .model import Snapshot, SnapshotPanel

VENDOR = Path(__file__).resolve().parent / "vendor"
CARTESIAN_BUNDLE = VENDOR / "plotly-cartesian.min.js"
# Trace types the cartesian bundle (plotly.js-cartesian-dist-min 4.1.1) draws.
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d",
                              "histogram2dcontour", "image", "pie", "scatter",
                              "scatterternary", "violin"})
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "showLink": False,
                 "showSendToCloud": False, "showEditInChartStudio": False,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}

STYLE = f"""
*{{box-sizing:border-box}}
body{{margin:0;background:#f0f4f5;color:{words.TEXT};
  font-family:Arial,"Liberation Sans","Helvetica Neue",Helvetica,sans-serif;line-height:1.45}}
main{{max-width:1280px;margin:0 auto;padding:28px 32px 40px;background:#fff}}
.kicker{{color:{words.MUTED};margin:0 0 4px}}
h1{{font-size:2rem;margin:0 0 4px}}
.service{{color:{words.BLUE};font-weight:bold;font-size:1.2rem;margin:0}}
.subtitle{{color:{words.MUTED};margin:2px 0 0}}
header{{display:flex;justify-content:space-between;gap:24px;align-items:flex-start}}
header img{{max-height:90px;max-width:260px}}
.notice{{background:{words.NOTICE_FILL};border:2px solid {words.NOTICE_EDGE};padding:10px 14px;
  margin:16px 0}}
dl.facts{{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:16px 0}}
dl.facts dt{{font-weight:bold;color:{words.MUTED}}}
dl.facts dd{{margin:0}}
h2{{font-size:1.45rem;margin:28px 0 12px;padding-bottom:4px;border-bottom:3px solid {words.BLUE};
  display:inline-block}}
.tiles{{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px}}
.tile{{background:{words.TILE};border-left:6px solid {words.MUTED};padding:12px 14px}}
.tile.good{{border-left-color:{words.ASSESSMENT_COLOURS['good']}}}
.tile.bad{{border-left-color:{words.ASSESSMENT_COLOURS['bad']}}}
.tile .label{{font-weight:bold;color:{words.MUTED};margin:0}}
.tile .value{{font-size:1.9rem;font-weight:bold;margin:2px 0}}
.tile .change{{margin:0;font-size:.92rem}}
.tile.good .change{{color:{words.ASSESSMENT_COLOURS['good']}}}
.tile.bad .change{{color:{words.ASSESSMENT_COLOURS['bad']}}}
.tile .caption{{margin:4px 0 0;font-size:.9rem;color:{words.MUTED}}}
.panels{{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:28px}}
.panel{{border:1px solid {words.RULE};padding:14px 16px;min-width:0}}
.panel h3{{margin:0 0 4px;font-size:1.15rem}}
.panel .caption{{margin:0 0 8px}}
.panel .note,.panel .description{{color:{words.MUTED};font-size:.9rem;margin:4px 0 0}}
.empty{{background:{words.TILE};padding:28px 18px;color:{words.MUTED}}}
details{{margin-top:10px}}
summary{{cursor:pointer;color:{words.BLUE};font-weight:bold}}
.table-wrap{{overflow-x:auto}}
table{{border-collapse:collapse;margin-top:8px;font-size:.9rem}}
th,td{{border:1px solid {words.RULE};padding:4px 8px;text-align:left}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}
th{{background:#e8edee}}
dl.definitions dt{{font-weight:bold;margin-top:8px}}
dl.definitions dd{{margin:2px 0 0}}
dl.definitions .meta{{color:{words.MUTED};font-size:.88rem}}
footer{{margin-top:32px;padding-top:10px;border-top:1px solid {words.RULE};color:{words.MUTED};
  font-size:.9rem}}
@media print{{body{{background:#fff}} details{{display:none}}}}
"""


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def script_json(value: Any) -> str:
    """Return JSON safe inside a <script> element (no '<', '>' or '&' left as such)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


@lru_cache(maxsize=2)
def plotly_js(full: bool) -> str:
    """Return plotly.js: the cartesian bundle, or plotly.py's full one."""
    if full:
        from plotly.offline import get_plotlyjs

        return get_plotlyjs()
    return CARTESIAN_BUNDLE.read_text(encoding="utf-8")


def needs_full_bundle(snapshot: Snapshot) -> bool:
    """Say whether a figure uses a trace type the cartesian bundle does not draw."""
    for panel in snapshot.panels:
        if panel.has_chart:
            for trace in panel.figure.get("data") or []:
                if trace.get("type", "scatter") not in CARTESIAN_TRACES:
                    return True
    return False


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def table_html(table: pd.DataFrame) -> str:
    """Return a DataFrame as an escaped HTML table, numbers right-aligned, shares as %."""
    from .tables import number_format

    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in table.columns)
    percent = [number_format(table[c]) == "0.0%" for c in table.columns]
    rows = []
    for record in table.itertuples(index=False, name=None):
        cells = []
        for value, as_percent in zip(record, percent):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = (f"{value:.1%}" if as_percent and not math.isnan(value)
                        else _number(value))
                cells.append(f'<td class="num">{esc(text)}</td>')
            else:
                cells.append(f"<td>{esc(_number(value) if pd.notna(value) else '')}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _header(snapshot: Snapshot) -> str:
    kicker = " · ".join(p for p in (snapshot.organisation, "Shelfmark snapshot") if p)
    logo = ""
    path = words.logo_path(snapshot)
    if path is not None:
        import base64

        kind = "png" if path.suffix.lower() == ".png" else "jpeg"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        logo = (f'<img src="data:image/{kind};base64,{data}" '
                f'alt="{esc(snapshot.organisation or "Logo")}">')
    parts = [f'<header><div><p class="kicker">{esc(kicker)}</p>',
             f"<h1>{esc(snapshot.title)}</h1>"]
    if words.service_text(snapshot):
        parts.append(f'<p class="service">{esc(words.service_text(snapshot))}</p>')
    if snapshot.subtitle:
        parts.append(f'<p class="subtitle">{esc(snapshot.subtitle)}</p>')
    parts.append(f"</div>{logo}</header>")
    if snapshot.synthetic:
        parts.append(f'<p class="notice" role="note">{esc(snapshot.synthetic_notice)}</p>')
    facts = "".join(f"<dt>{esc(label)}</dt><dd>{esc(value)}</dd>"
                    for label, value in words.all_facts(snapshot))
    parts.append(f'<dl class="facts">{facts}</dl>')
    parts.extend(f'<p class="notice" role="note">{esc(m)}</p>' for m in snapshot.messages)
    return "".join(parts)


def _headlines(snapshot: Snapshot) -> str:
    if not snapshot.headlines:
        return ""
    tiles = []
    for h in snapshot.headlines:
        change = words.headline_change(h)
        assessment = words.ASSESSMENT_WORDS.get(h.assessment, "")
        label = f"{change} ({assessment})" if change and assessment else change
        tiles.append(
            f'<div class="tile {esc(h.assessment)}"><p class="label">{esc(h.label)}</p>'
            f'<p class="value">{esc(h.value)}</p>'
            + (f'<p class="change">{esc(label)}</p>' if change else "")
            + (f'<p class="caption">{esc(h.caption)}</p>' if h.caption else "")
            + "</div>")
    return f'<section><h2>Headline figures</h2><div class="tiles">{"".join(tiles)}</div></section>'


def _panel(panel: SnapshotPanel, index: int) -> tuple[str, dict | None]:
    parts = [f'<article class="panel" id="panel-{esc(panel.key)}">',
             f"<h3>{esc(panel.title)}</h3>"]
    if panel.caption:
        parts.append(f'<p class="caption">{esc(panel.caption)}</p>')
    figure = None
    if panel.has_chart:
        alt = panel.alt_text or f"Chart: {panel.title}. {panel.caption}"
        height = int((panel.figure.get("layout") or {}).get("height") or 360)
        parts.append(f'<div class="chart" id="chart-{index}" role="img" '
                     f'aria-label="{esc(alt)}" style="height:{height}px"></div>')
        figure = untitled(panel.figure)
        figure["layout"]["template"] = template_json(figure["layout"].get("template"))
        figure["layout"].pop("width", None)
        figure["layout"]["autosize"] = True
    else:
        parts.append(f'<p class="empty">{esc(words.panel_empty_text(panel))}</p>')
    parts.extend(f'<p class="note">Note: {esc(n)}</p>' for n in panel.notes)
    if panel.description:
        parts.append(f'<p class="description">{esc(panel.description)}</p>')
    if not panel.table.empty:
        parts.append(f"<details><summary>Show data: {esc(panel.title)}</summary>"
                     f"{table_html(panel.table)}</details>")
    parts.append("</article>")
    return "".join(parts), figure


def _back_matter(snapshot: Snapshot) -> str:
    parts = []
    if snapshot.definitions:
        items = "".join(
            f"<dt>{esc(d.name)} <span class=\"meta\">({esc(d.code)})</span></dt>"
            f"<dd>{esc(d.definition)}"
            + (f' <span class="meta">Unit: {esc(d.unit)}.</span>' if d.unit else "")
            + (f' <span class="meta">Source: {esc(d.source)}.</span>' if d.source else "")
            + "</dd>" for d in snapshot.definitions)
        parts.append(f'<section><h2>Definitions</h2><dl class="definitions">{items}</dl></section>')
    notes = [n for n in (*snapshot.footnotes, words.reopen_text(snapshot)) if n]
    if notes:
        parts.append("<section><h2>Notes</h2><ol>"
                     + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ol></section>")
    footer = words.footer_text(snapshot)
    if snapshot.synthetic:
        footer = "Demo data (synthetic) · " + footer
    parts.append(f"<footer>{esc(footer)} · Generated {snapshot.generated:%d %b %Y %H:%M}</footer>")
    return "".join(parts)


def render_html(snapshot: Snapshot) -> bytes:
    """Return the snapshot as one self-contained HTML page (UTF-8)."""
    body = [_header(snapshot)]
    figures: list[dict] = []
    empty = words.view_empty_text(snapshot)
    if empty:
        body.append(f'<section><h2>No figures</h2><p class="empty">{esc(empty)}</p></section>')
    else:
        body.append(_headlines(snapshot))
        if snapshot.panels:
            cells = []
            for panel in snapshot.panels:
                cell, figure = _panel(panel, len(figures))
                cells.append(cell)
                if figure is not None:
                    figures.append(figure)
            body.append(f'<section><h2>Charts</h2><div class="panels">{"".join(cells)}</div>'
                        "</section>")
    body.append(_back_matter(snapshot))
    scripts = ""
    if figures:
        scripts = (f"<script>{plotly_js(needs_full_bundle(snapshot))}</script>"
                   f"<script>(function(){{var figs={script_json(figures)};"
                   f"var config={script_json(PLOTLY_CONFIG)};"
                   "figs.forEach(function(f,i){Plotly.newPlot('chart-'+i,f.data,f.layout,config);});"
                   "})();</script>")
    page = ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(snapshot.title)} · {esc(words.service_text(snapshot))}</title>"
            '<meta name="generator" content="Shelfmark">'
            f"<style>{STYLE}</style></head><body><main>{''.join(body)}</main>{scripts}"
            "</body></html>\n")
    return page.encode("utf-8")

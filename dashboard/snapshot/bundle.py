"""Pack every format of a snapshot into one ZIP, with the view's state and a README.

The bundle holds `<stem>.pdf/.pptx/.png/.html/.xlsx/.csv`, each chart alone as
`charts/NN-<panel-key>.png` (titled), `view.json` (the state that re-opens the same view) and
README.txt. Charts are drawn once for the whole bundle: the PNGs serve the slides, the
dashboard image and charts/, the vector PDFs serve the PDF.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Callable

from . import words
from .model import Snapshot

Progress = Callable[[str, float], None]
ChartsOf = Callable[[str], dict[str, bytes]]


def chart_filename(index: int, key: str) -> str:
    """Name a chart file: charts/01-expenditure-by-category.png."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")[:60] or "chart"
    return f"charts/{index:02d}-{safe}.png"


def readme(snapshot: Snapshot, names: dict[str, str]) -> str:
    """Say what each file of the bundle is and how to open the same view again."""
    lines = [
        f"{snapshot.title}",
        f"{words.service_text(snapshot)}" if words.service_text(snapshot) else "",
        "",
        "A snapshot of a Shelfmark dashboard view: the same figures in several formats.",
        "",
        *(f"  {label}: {value}" for label, value in words.all_facts(snapshot)),
        "",
    ]
    if snapshot.synthetic:
        lines += [snapshot.synthetic_notice, ""]
    lines += [
        "Files",
        f"  {names['pdf']}   board paper (A4): title block, headline figures, each chart with",
        "      its caption and notes, definitions; charts are vector, text is searchable.",
        f"  {names['pptx']}  PowerPoint (16:9): title slide, headline figures, one slide per",
        "      chart; the definitions of each chart's measures are in the speaker notes.",
        f"  {names['png']}   the whole dashboard as one image.",
        f"  {names['html']}  interactive web page; works offline (open it in any browser).",
        f"  {names['xlsx']}  Excel workbook: About, Headlines, one sheet per chart with the",
        "      figures drawn, Definitions.",
        f"  {names['csv']}   every chart's figures in one table (long form), with the service,",
        "      period and filters on every row; UTF-8.",
        "  charts/NN-<name>.png   each chart on its own, ready to paste into a document.",
        "  view.json   the view's state (service, period, filters, peer group).",
        "",
        "To open the same view again",
        "  - in Shelfmark: upload view.json on any page, or open this address:",
        f"      {snapshot.link}",
        "  - from the command line, make a new snapshot of it:",
        "      python -m dashboard snapshot --state view.json --format pdf -o out.pdf",
        "",
        f"Generated {snapshot.generated:%d %b %Y %H:%M} by Shelfmark. {snapshot.as_of_text}.",
    ]
    return "\r\n".join(lines) + "\r\n"


def render_zip(snapshot: Snapshot, charts: ChartsOf, say: Progress) -> bytes:
    """Return the bundle; `charts(kind)` gives {panel key: bytes} of 'png' or 'pdf' charts."""
    from . import pdf
    from .html import render_html
    from .images import render_dashboard_png, titled_chart_png
    from .slides import render_pptx
    from .tables import render_csv, render_xlsx

    stem = snapshot.file_stem
    names = {fmt: f"{stem}.{fmt}" for fmt in ("pdf", "pptx", "png", "html", "xlsx", "csv")}
    files: list[tuple[str, bytes]] = []
    paper, placements = pdf.layout(snapshot)  # while Chromium draws the charts
    files.append((names["html"], render_html(snapshot)))
    files.append((names["xlsx"], render_xlsx(snapshot)))
    files.append((names["csv"], render_csv(snapshot)))
    pdfs = charts("pdf")
    pngs = charts("png")
    say("Placing charts on the pages", 0.75)
    files.insert(0, (names["pdf"], pdf.place_charts(paper, placements, pdfs)))
    say("Making slides", 0.8)
    files.insert(1, (names["pptx"], render_pptx(snapshot, charts("slide"))))
    say("Composing the image", 0.88)
    files.insert(2, (names["png"], render_dashboard_png(snapshot, pngs)))
    charted = [p for p in snapshot.panels if p.has_chart]
    for index, panel in enumerate(charted, start=1):
        files.append((chart_filename(index, panel.key), titled_chart_png(panel, pngs[panel.key])))
    files.append(("view.json", json.dumps(snapshot.state, indent=2).encode("utf-8")))
    files.append(("README.txt", readme(snapshot, names).encode("utf-8")))
    say("Packing the ZIP", 0.95)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, content in files:
            stored = name.endswith((".png", ".pptx", ".xlsx"))  # compressed already
            info = zipfile.ZipInfo(name, date_time=snapshot.generated.timetuple()[:6])
            info.external_attr = 0o644 << 16
            archive.writestr(info, content,
                             zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return out.getvalue()

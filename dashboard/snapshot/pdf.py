"""Lay out a snapshot as an A4 board paper: real text set with fpdf2, vector charts merged in.

fpdf2 sets the text (title block, headline figures, each panel's title, caption and notes,
definitions, footnotes, "Page 2 of 5") in the shipped Liberation Sans, and leaves a box for
each chart. pypdf then places each chart, drawn as a one-page PDF by Chromium, into its box
with `merge_transformed_page`, so charts stay vector and their text stays text. A panel never
straddles a page: one that does not fit starts the next page, and a chart taller than a page
is scaled down to fit.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from pypdf import PdfReader, PdfWriter, Transformation

from . import words
from .model import Snapshot, SnapshotPanel

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = 210.0, 297.0            # A4 portrait, mm
MARGIN = 15.0
FOOTER_H = 14.0                          # space kept for the footer at the bottom
CONTENT_W = PAGE_W - 2 * MARGIN
PT_PER_MM = 72 / 25.4
PX_PER_MM = PT_PER_MM / 0.75             # a CSS pixel is 0.75 pt
CHART_WIDTH_PX = round(CONTENT_W * PX_PER_MM)  # charts drawn at print size: 13 px text ≈ 9.75 pt
FONT = "LiberationSans"
HEADLINE_COLUMNS = 3


@dataclass(frozen=True)
class Placement:
    """Where a chart goes: page index (from 0) and box in mm from the top left."""

    key: str
    page: int
    x: float
    y: float
    w: float
    h: float


def chart_size_px(panel: SnapshotPanel) -> tuple[int, int]:
    """Return the (width, height) in CSS pixels the PDF draws a panel's chart at."""
    height = int((panel.figure or {}).get("layout", {}).get("height") or 360)
    return CHART_WIDTH_PX, height


class _Paper(FPDF):
    """An A4 page with the snapshot's footer and "Page N of M"."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.snapshot = snapshot
        self.add_font(FONT, "", str(words.FONT_REGULAR))
        self.add_font(FONT, "B", str(words.FONT_BOLD))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_H + 4)
        self.set_title(snapshot.title)
        self.set_subject(words.service_text(snapshot))
        self.set_author(snapshot.organisation or "Shelfmark")
        self.set_creator("Shelfmark")
        self.set_lang("en-GB")
        self.set_text_color(words.TEXT)

    def footer(self) -> None:
        self.set_y(PAGE_H - FOOTER_H + 2)
        self.set_draw_color(words.RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), PAGE_W - MARGIN, self.get_y())
        self.set_y(self.get_y() + 1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(words.MUTED)
        left = words.footer_text(self.snapshot)
        if self.snapshot.synthetic:
            left = "DEMO DATA (SYNTHETIC) · " + left
        self.cell(CONTENT_W - 28, 4, _fit(self, left, CONTENT_W - 30))
        self.cell(28, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(words.TEXT)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten text with an ellipsis to fit a width at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _text(pdf: FPDF, text: str, size: float, *, bold: bool = False, colour: str = words.TEXT,
          height: float | None = None, width: float = 0, x: float | None = None) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(colour)
    if x is not None:
        pdf.set_x(x)
    pdf.multi_cell(width or CONTENT_W, height or size * 0.5, text, align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(words.TEXT)


def _text_height(pdf: FPDF, text: str, size: float, width: float, *, bold: bool = False,
                 height: float | None = None) -> float:
    if not text:
        return 0.0
    pdf.set_font(FONT, "B" if bold else "", size)
    return pdf.multi_cell(width, height or size * 0.5, text, dry_run=True, output="HEIGHT")


def _notice(pdf: FPDF, text: str) -> None:
    """Draw a pale yellow box with a text in it (the synthetic-data notice, link warnings)."""
    height = _text_height(pdf, text, 9.5, CONTENT_W - 6) + 4
    y = pdf.get_y()
    pdf.set_fill_color(words.NOTICE_FILL)
    pdf.set_draw_color(words.NOTICE_EDGE)
    pdf.set_line_width(0.4)
    pdf.rect(MARGIN, y, CONTENT_W, height, style="DF")
    pdf.set_xy(MARGIN + 3, y + 2)
    _text(pdf, text, 9.5, width=CONTENT_W - 6, x=MARGIN + 3)
    pdf.set_y(y + height + 3)


def _title_block(pdf: _Paper, snapshot: Snapshot) -> None:
    top = pdf.get_y()
    logo = words.logo_path(snapshot)
    text_w = CONTENT_W
    if logo is not None:
        try:
            pdf.image(str(logo), x=PAGE_W - MARGIN - 40, y=top, w=40, h=16,
                      keep_aspect_ratio=True, alt_text=snapshot.organisation or "Logo")
            text_w = CONTENT_W - 44
        except Exception:  # noqa: BLE001 - an unreadable logo must not stop the paper
            log.warning("organisation logo %s could not be read; left out", logo)
    pdf.set_y(top)
    kicker = " · ".join(p for p in (snapshot.organisation, "Shelfmark snapshot") if p)
    _text(pdf, kicker, 9, colour=words.MUTED, width=text_w)
    pdf.ln(1)
    _text(pdf, snapshot.title, 20, bold=True, height=9, width=text_w)
    if words.service_text(snapshot):
        _text(pdf, words.service_text(snapshot), 12.5, bold=True, colour=words.BLUE,
              height=6, width=text_w)
    if snapshot.subtitle:
        _text(pdf, snapshot.subtitle, 10, colour=words.MUTED, width=text_w)
    pdf.set_y(max(pdf.get_y(), top + 18) + 3)
    if snapshot.synthetic:
        _notice(pdf, snapshot.synthetic_notice)
    _facts(pdf, snapshot)
    for message in snapshot.messages:
        _notice(pdf, message)


def _fact_column(pdf: FPDF, facts: Sequence[tuple[str, str]], x: float, width: float,
                 top: float) -> float:
    """Write label/value lines in a column from `top`; return the column's bottom."""
    label_w = 25
    y = top
    for label, value in facts:
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(words.MUTED)
        pdf.cell(label_w, 4.6, label)
        pdf.set_text_color(words.TEXT)
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(x + label_w, y)
        pdf.multi_cell(width - label_w, 4.6, value, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        y = pdf.get_y()
    return y


def _facts(pdf: FPDF, snapshot: Snapshot) -> None:
    """Write the filters (left) and where the figures come from (right), side by side."""
    top = pdf.get_y()
    left_w = CONTENT_W * 0.6
    bottom = max(_fact_column(pdf, words.filter_facts(snapshot), MARGIN, left_w - 4, top),
                 _fact_column(pdf, words.provenance_facts(snapshot), MARGIN + left_w,
                              CONTENT_W - left_w, top))
    pdf.set_xy(MARGIN, bottom + 3)


def _heading(pdf: FPDF, text: str, room: float = 30) -> None:
    if pdf.will_page_break(room):
        pdf.add_page()
    _text(pdf, text, 14, bold=True, height=7)
    y = pdf.get_y() + 0.5
    pdf.set_draw_color(words.BLUE)
    pdf.set_line_width(0.6)
    pdf.line(MARGIN, y, MARGIN + 25, y)
    pdf.set_y(y + 3)


def _headlines(pdf: FPDF, snapshot: Snapshot) -> None:
    if not snapshot.headlines:
        return
    gap = 4
    tile_w = (CONTENT_W - gap * (HEADLINE_COLUMNS - 1)) / HEADLINE_COLUMNS
    inner = tile_w - 6
    _heading(pdf, "Headline figures", room=45)
    rows = [snapshot.headlines[i:i + HEADLINE_COLUMNS]
            for i in range(0, len(snapshot.headlines), HEADLINE_COLUMNS)]
    for row in rows:
        heights = []
        for h in row:
            heights.append(4 + _text_height(pdf, h.label, 9, inner, bold=True)
                           + _text_height(pdf, h.value, 17, inner, bold=True, height=8)
                           + _text_height(pdf, words.headline_change(h), 8.5, inner)
                           + _text_height(pdf, h.caption, 8.5, inner) + 3)
        tile_h = max(heights)
        if pdf.will_page_break(tile_h):
            pdf.add_page()
        y = pdf.get_y()
        for i, h in enumerate(row):
            x = MARGIN + i * (tile_w + gap)
            pdf.set_fill_color(words.TILE)
            pdf.rect(x, y, tile_w, tile_h, style="F")
            pdf.set_fill_color(words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED))
            pdf.rect(x, y, 1.2, tile_h, style="F")
            pdf.set_xy(x + 3, y + 3)
            _text(pdf, h.label, 9, bold=True, colour=words.MUTED, width=inner, x=x + 3)
            _text(pdf, h.value, 17, bold=True, height=8, width=inner, x=x + 3)
            if h.change:
                _text(pdf, words.headline_change(h), 8.5, width=inner, x=x + 3,
                      colour=words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED))
            if h.caption:
                _text(pdf, h.caption, 8.5, colour=words.MUTED, width=inner, x=x + 3)
        pdf.set_y(y + tile_h + gap)
    pdf.ln(2)


def _panel_height(pdf: FPDF, panel: SnapshotPanel, chart_h: float) -> float:
    return (_text_height(pdf, panel.title, 12.5, CONTENT_W, bold=True, height=6) + 1
            + _text_height(pdf, panel.caption, 10, CONTENT_W) + 2
            + chart_h + 2
            + sum(_text_height(pdf, "Note: " + n, 8.5, CONTENT_W) for n in panel.notes)
            + _text_height(pdf, panel.description, 8.5, CONTENT_W) + 6)


USABLE_H = PAGE_H - MARGIN - FOOTER_H - 4 - MARGIN  # of an empty page


def _chart_height(pdf: FPDF, panel: SnapshotPanel) -> float:
    """Return the chart's height in mm: its own aspect, shrunk when the panel would not fit
    on an empty page."""
    if not panel.has_chart:
        return 16.0
    w_px, h_px = chart_size_px(panel)
    chart_h = CONTENT_W * h_px / w_px
    needed = _panel_height(pdf, panel, chart_h)
    if needed > USABLE_H:
        chart_h = max(30.0, chart_h - (needed - USABLE_H))
    return chart_h


def _panel_room(pdf: FPDF, panel: SnapshotPanel) -> float:
    return _panel_height(pdf, panel, _chart_height(pdf, panel))


SHRINK_TO_FIT = 0.7  # a chart may shrink to this share of its height to stay on the page


def _panel(pdf: FPDF, panel: SnapshotPanel, placements: list[Placement]) -> None:
    chart_h = _chart_height(pdf, panel)
    needed = _panel_height(pdf, panel, chart_h)
    if pdf.will_page_break(needed):
        # Rather than leave most of a page empty, draw the chart a little smaller when that
        # keeps the whole panel on this page; otherwise start the next page.
        room = pdf.page_break_trigger - pdf.get_y() - 1
        smaller = chart_h - (needed - room)
        if panel.has_chart and smaller >= SHRINK_TO_FIT * chart_h:
            chart_h = smaller
        else:
            pdf.add_page()
    _text(pdf, panel.title, 12.5, bold=True, height=6)
    pdf.ln(1)
    if panel.caption:
        _text(pdf, panel.caption, 10)
    pdf.ln(2)
    y = pdf.get_y()
    if panel.has_chart:
        w_px, h_px = chart_size_px(panel)
        chart_w = min(CONTENT_W, chart_h * w_px / h_px)
        x = MARGIN + (CONTENT_W - chart_w) / 2
        placements.append(Placement(panel.key, pdf.page_no() - 1, x, y, chart_w, chart_h))
        pdf.set_y(y + chart_h + 2)
    else:
        pdf.set_fill_color(words.TILE)
        pdf.rect(MARGIN, y, CONTENT_W, chart_h, style="F")
        pdf.set_xy(MARGIN + 4, y + chart_h / 2 - 2.5)
        _text(pdf, words.panel_empty_text(panel), 10, colour=words.MUTED,
              width=CONTENT_W - 8, x=MARGIN + 4)
        pdf.set_y(y + chart_h + 2)
    for note in panel.notes:
        _text(pdf, "Note: " + note, 8.5, colour=words.MUTED)
    if panel.description:
        _text(pdf, panel.description, 8.5, colour=words.MUTED)
    pdf.ln(6)


def _back_matter(pdf: FPDF, snapshot: Snapshot) -> None:
    if snapshot.definitions:
        _heading(pdf, "Definitions")
        for d in snapshot.definitions:
            extra = "; ".join(p for p in (f"Unit: {d.unit}" if d.unit else "",
                                          f"Source: {d.source}" if d.source else "") if p)
            height = (_text_height(pdf, d.name, 9.5, CONTENT_W, bold=True)
                      + _text_height(pdf, d.definition, 9, CONTENT_W) + 6)
            if pdf.will_page_break(height):
                pdf.add_page()
            _text(pdf, f"{d.name} ({d.code})", 9.5, bold=True)
            _text(pdf, d.definition, 9)
            if extra:
                _text(pdf, extra, 8, colour=words.MUTED)
            pdf.ln(2)
    notes = [*snapshot.footnotes, words.reopen_text(snapshot)]
    notes = [n for n in notes if n]
    if notes:
        pdf.ln(2)
        _heading(pdf, "Notes", room=20)
        for i, note in enumerate(notes, start=1):
            _text(pdf, f"{i}. {note}", 9)
            pdf.ln(1)


def layout(snapshot: Snapshot) -> tuple[bytes, list[Placement]]:
    """Set the paper's text; return its PDF and the boxes left for the charts."""
    pdf = _Paper(snapshot)
    pdf.add_page()
    _title_block(pdf, snapshot)
    placements: list[Placement] = []
    empty = words.view_empty_text(snapshot)
    if empty:
        _heading(pdf, "No figures")
        _text(pdf, empty, 11)
    else:
        _headlines(pdf, snapshot)
        if snapshot.panels:  # keep the heading with the first panel
            _heading(pdf, "Charts", room=12 + _panel_room(pdf, snapshot.panels[0]))
        for panel in snapshot.panels:
            _panel(pdf, panel, placements)
    _back_matter(pdf, snapshot)
    return bytes(pdf.output()), placements


def place_charts(paper: bytes, placements: Sequence[Placement],
                 charts: dict[str, bytes]) -> bytes:
    """Merge each chart's one-page PDF into its box on the paper, keeping it vector."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(paper)))
    for place in placements:
        chart = PdfReader(io.BytesIO(charts[place.key])).pages[0]
        box = chart.mediabox
        cw, ch = float(box.width), float(box.height)
        w, h = place.w * PT_PER_MM, place.h * PT_PER_MM
        scale = min(w / cw, h / ch)
        page = writer.pages[place.page]
        page_h = float(page.mediabox.height)
        tx = place.x * PT_PER_MM + (w - cw * scale) / 2
        ty = page_h - place.y * PT_PER_MM - h + (h - ch * scale) / 2
        page.merge_transformed_page(
            chart, Transformation().translate(-float(box.left), -float(box.bottom))
            .scale(scale, scale).translate(tx, ty))
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

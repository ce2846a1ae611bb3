"""Make a 16:9 PowerPoint deck of a snapshot with python-pptx: title, headlines, a slide a panel.

Slides: a title slide (title, service, period, filters and peer group, data as of, source,
the synthetic-data notice, organisation and logo), a headline-figures slide, then one slide
per panel with its title, caption and chart (the PNG drawn at scale 2, fitted without
distortion) and the definitions of its measures in the speaker notes. Type is large enough to
read from the back of a boardroom: titles 28 pt, captions 18 pt, nothing under 12 pt.
"""

from __future__ import annotations

import io
import math

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from . import words
from .model import Headline, Snapshot, SnapshotPanel

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
CONTENT_W = SLIDE_W - 2 * MARGIN
FONT = "Arial"      # Liberation Sans has Arial's metrics; PowerPoint has Arial everywhere
BLANK_LAYOUT = 6


def _rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _textbox(slide, x, y, w, h, paragraphs, *, anchor=MSO_ANCHOR.TOP, fill: str | None = None,
             margin=Inches(0.08)):
    """Add a text box; paragraphs are (text, size pt, bold, colour) tuples, where text may be
    a (label, value) pair: the label is set in bold."""
    box = slide.shapes.add_textbox(x, y, w, h)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = margin
    frame.margin_top = frame.margin_bottom = Inches(0.04)
    if fill:
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(fill)
    first = True
    for text, size, bold, colour in paragraphs:
        if not text:
            continue
        paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
        first = False
        paragraph.alignment = PP_ALIGN.LEFT
        pieces = ([(f"{text[0]}: ", True), (text[1], bold)] if isinstance(text, tuple)
                  else [(text, bold)])
        for piece, strong in pieces:
            run = paragraph.add_run()
            run.text = piece
            run.font.name = FONT
            run.font.size = Pt(size)
            run.font.bold = strong
            run.font.color.rgb = _rgb(colour)
        paragraph.space_after = Pt(size * 0.3)
    return box


def _footer(slide, snapshot: Snapshot, number: int, total: int) -> None:
    parts = [snapshot.title, snapshot.service_code or snapshot.service_name,
             snapshot.as_of_text, snapshot.source]
    text = " · ".join(p for p in parts if p)
    if snapshot.synthetic and "synthetic" not in text.lower():
        text = "Demo data (synthetic) · " + text
    _textbox(slide, MARGIN, SLIDE_H - Inches(0.45), CONTENT_W - Inches(1.2), Inches(0.35),
             [(text, 10, False, words.MUTED)], anchor=MSO_ANCHOR.MIDDLE)
    _textbox(slide, SLIDE_W - MARGIN - Inches(1.2), SLIDE_H - Inches(0.45), Inches(1.2),
             Inches(0.35), [(f"{number} / {total}", 10, False, words.MUTED)],
             anchor=MSO_ANCHOR.MIDDLE).text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT


def _notes(slide, lines) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(line for line in lines if line)


def _title_slide(prs, snapshot: Snapshot) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, SLIDE_W, Inches(0.18))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(words.BLUE)
    band.line.fill.background()
    logo = words.logo_path(snapshot)
    text_w = CONTENT_W
    if logo is not None:
        try:
            picture = slide.shapes.add_picture(str(logo), 0, Inches(0.45), height=Inches(0.9))
            if picture.width > Inches(3):
                ratio = Inches(3) / picture.width
                picture.width, picture.height = Inches(3), int(picture.height * ratio)
            picture.left = SLIDE_W - MARGIN - picture.width
            text_w = CONTENT_W - Inches(3.3)
        except Exception:  # noqa: BLE001 - an unreadable logo must not stop the deck
            pass
    kicker = " · ".join(p for p in (snapshot.organisation, "Shelfmark snapshot") if p)
    _textbox(slide, MARGIN, Inches(0.45), text_w, Inches(2.4), [
        (kicker, 16, False, words.MUTED),
        (snapshot.title, 40, True, words.TEXT),
        (words.service_text(snapshot), 22, True, words.BLUE),
        (snapshot.subtitle, 16, False, words.MUTED)])
    y = Inches(3.0)
    if snapshot.synthetic:
        _textbox(slide, MARGIN, y, CONTENT_W, Inches(0.5),
                 [(snapshot.synthetic_notice, 14, True, words.TEXT)],
                 anchor=MSO_ANCHOR.MIDDLE, fill=words.NOTICE_FILL)
        y += Inches(0.65)
    facts = words.all_facts(snapshot)
    size = 16 if len(facts) <= 10 else 13
    half = math.ceil(len(facts) / 2)
    col_w = (CONTENT_W - Inches(0.3)) // 2
    for col, chunk in enumerate((facts[:half], facts[half:])):
        _textbox(slide, MARGIN + col * (col_w + Inches(0.3)), y, col_w,
                 SLIDE_H - y - Inches(0.6),
                 [((label, value), size, False, words.TEXT) for label, value in chunk])
    _notes(slide, [*snapshot.messages, words.reopen_text(snapshot)])


def _headline_tile(slide, h: Headline, x, y, w, hgt, scale: float = 1.0) -> None:
    tile = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, w, hgt)
    tile.fill.solid()
    tile.fill.fore_color.rgb = _rgb(words.TILE)
    tile.line.fill.background()
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, Inches(0.09), hgt)
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED))
    bar.line.fill.background()
    colours = (words.MUTED, words.TEXT,
               words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED), words.MUTED)
    _textbox(slide, x + Inches(0.18), y + Inches(0.1), w - Inches(0.3), hgt - Inches(0.2), [
        (text, size, bold, colour) for (text, size), bold, colour in
        zip(_tile_text(h, scale), (True, True, False, False), colours)])


def _titled_slide(prs, title: str, number: int, count: int, subtitle: str = ""):
    """Add a slide with a title, numbered "(2 of 3)" when its content runs over several."""
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    if count > 1:
        title += f" ({number} of {count})"
    _textbox(slide, MARGIN, Inches(0.35), CONTENT_W, Inches(0.8),
             [(title, 28, True, words.TEXT), (subtitle, 16, False, words.MUTED)])
    return slide


HEADLINES_PER_SLIDE = 8  # four a row, two rows: the figures stay large
HEADLINE_TOP = Inches(1.5)
HEADLINE_GAP = Inches(0.25)
TILE_PAD_PT = 0.2 * 72 + 8  # the tile's inner margins and paragraph spacing, in points


def _tile_text(h: Headline, scale: float = 1.0) -> list[tuple[str, float]]:
    """Return the tile's paragraphs as (text, size in points)."""
    return [(h.label, round(15 * scale)), (h.value, round(32 * scale)),
            (words.headline_change(h), round(14 * scale)), (h.caption, round(11 * scale))]


def _tile_height_pt(h: Headline, width_in: float, scale: float = 1.0) -> float:
    """Estimate the height a tile's text needs at a width (Arial: about 0.5 em a character,
    1.2 lines of leading, 0.3 em after each paragraph)."""
    total = TILE_PAD_PT
    for text, size in _tile_text(h, scale):
        if text:
            total += math.ceil(_lines(text, size, width_in) - 0.3) * size * 1.2 + size * 0.3
    return total


# (tiles a slide, rows, columns, type scale), tried in order: the most tiles that fit, and
# larger type where fewer tiles leave room for it.
HEADLINE_GRIDS = ((HEADLINES_PER_SLIDE, 2, 4, 1.0), (4, 1, 4, 1.3), (4, 1, 4, 1.0),
                  (2, 1, 2, 1.3), (2, 1, 2, 1.0))


def _headline_grid(items: list[Headline]) -> tuple[int, int, int, float]:
    """Choose tiles per slide, rows, columns and type scale so that no tile's words overflow:
    eight (two rows of four) when they fit half the slide's height, else four in a row, else
    two."""
    area_h = SLIDE_H - HEADLINE_TOP - Inches(0.7)
    for per_slide, rows, cols, scale in HEADLINE_GRIDS:
        tile_w = (CONTENT_W - HEADLINE_GAP * (cols - 1)) // cols
        tile_h = min(Inches(2.6), (area_h - HEADLINE_GAP * (rows - 1)) // rows) if rows == 2 \
            else area_h
        width_in = (tile_w - Inches(0.3)) / 914400 - 0.16
        if all(_tile_height_pt(h, width_in, scale) <= tile_h / 12700 for h in items):
            return per_slide, rows, cols, scale
    return HEADLINE_GRIDS[-1]


def _headlines_slide(prs, snapshot: Snapshot) -> None:
    """Add the headline figures, at most eight to a slide (fewer when their words are long)."""
    items = snapshot.headlines
    per_slide, rows, cols, scale = _headline_grid(items)
    chunks = [items[i:i + per_slide] for i in range(0, len(items), per_slide)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        slide = _titled_slide(prs, "Headline figures", number, len(chunks),
                              f"{words.service_text(snapshot)} · {snapshot.period_label}")
        if not chunk:
            _textbox(slide, MARGIN, Inches(2), CONTENT_W, Inches(1),
                     [(words.view_empty_text(snapshot) or "No headline figures for this view.",
                       20, False, words.MUTED)])
            continue
        tile_w = (CONTENT_W - HEADLINE_GAP * (cols - 1)) // cols
        tile_h = (SLIDE_H - HEADLINE_TOP - Inches(0.7) - HEADLINE_GAP * (rows - 1)) // rows
        if rows == 2:
            tile_h = min(Inches(2.6), tile_h)
        for i, h in enumerate(chunk):
            r, col = divmod(i, cols)
            _headline_tile(slide, h, MARGIN + col * (tile_w + HEADLINE_GAP),
                           HEADLINE_TOP + r * (tile_h + HEADLINE_GAP), tile_w, tile_h, scale)
        _notes(slide, [f"{h.label}: {h.value}. {h.change}. {h.caption}" for h in chunk])


def _panel_slide(prs, snapshot: Snapshot, panel: SnapshotPanel, png: bytes | None) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
    head = _textbox(slide, MARGIN, Inches(0.3), CONTENT_W, Inches(1.25), [
        (panel.title, 28, True, words.TEXT), (panel.caption, 18, False, words.TEXT)])
    head.name = "Panel title"
    notes_h = Inches(0.3) * len(panel.notes)
    top = Inches(1.65)
    bottom = SLIDE_H - Inches(0.55) - notes_h
    box_w, box_h = CONTENT_W, bottom - top
    if png is not None:
        with Image.open(io.BytesIO(png)) as picture:
            px_w, px_h = picture.size
        scale = min(box_w / px_w, box_h / px_h)
        w, h = int(px_w * scale), int(px_h * scale)
        chart = slide.shapes.add_picture(io.BytesIO(png), MARGIN + (box_w - w) // 2,
                                         top + (box_h - h) // 2, Emu(w), Emu(h))
        chart.name = f"Chart: {panel.key}"
        chart._element.nvPicPr.cNvPr.set("descr", panel.alt_text or panel.title)
    else:
        _textbox(slide, MARGIN, top + Inches(1), CONTENT_W, Inches(1.5),
                 [(words.panel_empty_text(panel), 22, False, words.MUTED)],
                 anchor=MSO_ANCHOR.MIDDLE, fill=words.TILE, margin=Inches(0.3))
    if panel.notes:
        _textbox(slide, MARGIN, bottom, CONTENT_W, notes_h,
                 [("Note: " + n, 12, False, words.MUTED) for n in panel.notes])
    definitions = words.panel_definitions(snapshot, panel)
    _notes(slide, [panel.caption, panel.description,
                   *("Note: " + n for n in panel.notes),
                   "Definitions:" if definitions else "",
                   *(words.definition_text(d) for d in definitions)])


def render_pptx(snapshot: Snapshot, charts: dict[str, bytes]) -> bytes:
    """Return the deck; `charts` maps panel keys to chart PNGs."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    prs.core_properties.title = snapshot.title
    prs.core_properties.subject = words.service_text(snapshot)
    prs.core_properties.author = snapshot.organisation or "Shelfmark"
    _title_slide(prs, snapshot)
    _headlines_slide(prs, snapshot)
    for panel in snapshot.panels:
        _panel_slide(prs, snapshot, panel, charts.get(panel.key) if panel.has_chart else None)
    if snapshot.definitions or snapshot.footnotes:
        _definitions_slide(prs, snapshot)
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, start=1):
        _footer(slide, snapshot, number, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


DEFINITION_SIZE = 16          # points
DEFINITION_LINES = 22         # lines of 16 pt text a column holds above the footer


def _lines(text: str, size: float, width_in: float) -> float:
    """Estimate how many lines a paragraph takes (Arial text averages about 0.47 em a
    character; a word that does not fit moves whole), plus the space after it."""
    per_line = max(10, int(width_in * 72 / (size * 0.46)) - 2)
    return math.ceil(len(text) / per_line) + 0.3


def _definitions_slide(prs, snapshot: Snapshot) -> None:
    """Add the definitions and notes in two columns at a readable size, as many slides as
    their length needs (each column is filled by the estimated height of its paragraphs)."""
    items = [((d.name, d.definition), d) for d in snapshot.definitions]
    items += [(note, None) for note in (*snapshot.footnotes, words.reopen_text(snapshot)) if note]
    col_w = (CONTENT_W - Inches(0.4)) // 2
    width_in = col_w / 914400 - 0.2
    columns: list[list] = [[]]
    used = 0
    for item in items:
        text = f"{item[0][0]}: {item[0][1]}" if isinstance(item[0], tuple) else item[0]
        need = _lines(text, DEFINITION_SIZE, width_in)
        if columns[-1] and used + need > DEFINITION_LINES:
            columns.append([])
            used = 0
        columns[-1].append(item)
        used += need
    chunks = [columns[i:i + 2] for i in range(0, len(columns), 2)]
    for number, pair in enumerate(chunks, start=1):
        slide = _titled_slide(prs, "Definitions and notes", number, len(chunks))
        for col, part in enumerate(pair):
            _textbox(slide, MARGIN + col * (col_w + Inches(0.4)), Inches(1.15), col_w,
                     SLIDE_H - Inches(1.8),
                     [(text, DEFINITION_SIZE, False, words.TEXT) for text, _ in part])
        _notes(slide, [words.definition_text(d) if d else text
                       for part in pair for text, d in part])

"""Compose PNG images of a snapshot with Pillow: the whole dashboard, and titled single charts.

The whole-dashboard image is one tall PNG: title block, headline tiles, the charts in a grid of
two columns (each with its title, caption and notes), then definitions and a footer. Charts
are the PNGs Chromium drew for the snapshot (shared with the slides and the ZIP bundle); the
text is set in the shipped Liberation Sans, so £, €, – and ≤ come out right anywhere.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from PIL import Image, ImageDraw, ImageFont

from . import words
from .model import Snapshot, SnapshotPanel

WIDTH = 2000          # pixels of the whole-dashboard image
PAD = 56
GAP = 40
COLUMNS = 2


@lru_cache(maxsize=64)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(words.FONT_BOLD if bold else words.FONT_REGULAR), size)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break text into lines no wider than `width` pixels (a long word gets a line of its own,
    cut with an ellipsis when even it does not fit)."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if face.getlength(candidate) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    out = []
    for line in lines:
        while face.getlength(line) > width and len(line) > 1:
            line = line[:-2] + "…"
        out.append(line)
    return out


class _Canvas:
    """Draw text and boxes top to bottom; in measuring mode, only count the height."""

    def __init__(self, image: Image.Image | None) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image) if image is not None else None
        self.y = PAD

    def text(self, text: str, size: int, x: int, width: int, *, bold: bool = False,
             colour: str = words.TEXT, y: int | None = None, spacing: float = 1.3) -> int:
        """Write wrapped text at (x, y or the cursor); return its height."""
        if not text:
            return 0
        face = font(size, bold)
        top = self.y if y is None else y
        line_h = round(size * spacing)
        lines = wrap(text, face, width)
        if self.draw is not None:
            for i, line in enumerate(lines):
                self.draw.text((x, top + i * line_h), line, font=face, fill=colour)
        height = line_h * len(lines)
        if y is None:
            self.y += height
        return height

    def box(self, x: int, y: int, w: int, h: int, fill: str, outline: str | None = None,
            width: int = 0) -> None:
        if self.draw is not None:
            self.draw.rectangle((x, y, x + w, y + h), fill=fill, outline=outline, width=width)

    def paste(self, picture: Image.Image, x: int, y: int) -> None:
        if self.image is not None:
            self.image.paste(picture, (x, y))


def _text_height(text: str, size: int, width: int, bold: bool = False,
                 spacing: float = 1.3) -> int:
    if not text:
        return 0
    return round(size * spacing) * len(wrap(text, font(size, bold), width))


def _notice(c: _Canvas, text: str) -> None:
    inner = WIDTH - 2 * PAD - 40
    h = _text_height(text, 24, inner) + 28
    c.box(PAD, c.y, WIDTH - 2 * PAD, h, words.NOTICE_FILL, words.NOTICE_EDGE, 3)
    c.text(text, 24, PAD + 20, inner, y=c.y + 14)
    c.y += h + 20


def _logo(snapshot: Snapshot) -> Image.Image | None:
    path = words.logo_path(snapshot)
    if path is None:
        return None
    try:
        logo = Image.open(path).convert("RGBA")
    except OSError:
        return None
    logo.thumbnail((320, 120))
    return logo


def _title_block(c: _Canvas, snapshot: Snapshot) -> None:
    logo = _logo(snapshot)
    text_w = WIDTH - 2 * PAD - (360 if logo else 0)
    top = c.y
    if logo is not None and c.image is not None:
        c.image.paste(logo, (WIDTH - PAD - logo.width, top), logo)
    kicker = " · ".join(p for p in (snapshot.organisation, "Shelfmark snapshot") if p)
    c.text(kicker, 24, PAD, text_w, colour=words.MUTED)
    c.y += 8
    c.text(snapshot.title, 56, PAD, text_w, bold=True, spacing=1.2)
    c.y += 4
    c.text(words.service_text(snapshot), 32, PAD, text_w, bold=True, colour=words.BLUE)
    c.text(snapshot.subtitle, 24, PAD, text_w, colour=words.MUTED)
    c.y = max(c.y, top + (logo.height if logo else 0)) + 24
    if snapshot.synthetic:
        _notice(c, snapshot.synthetic_notice)
    facts = words.all_facts(snapshot)
    half = math.ceil(len(facts) / 2)
    col_w = (WIDTH - 2 * PAD - GAP) // 2
    start = c.y
    bottoms = []
    for col, chunk in enumerate((facts[:half], facts[half:])):
        c.y = start
        x = PAD + col * (col_w + GAP)
        for label, value in chunk:
            h = max(c.text(label, 22, x, 200, bold=True, colour=words.MUTED, y=c.y),
                    c.text(value, 22, x + 210, col_w - 210, y=c.y))
            c.y += h + 6
        bottoms.append(c.y)
    c.y = max(bottoms) + 16
    for message in snapshot.messages:
        _notice(c, message)


def _heading(c: _Canvas, text: str) -> None:
    c.y += 12
    c.text(text, 34, PAD, WIDTH - 2 * PAD, bold=True)
    c.box(PAD, c.y + 4, 80, 5, words.BLUE)
    c.y += 28


def _headlines(c: _Canvas, snapshot: Snapshot) -> None:
    items = snapshot.headlines
    if not items:
        return
    _heading(c, "Headline figures")
    rows = math.ceil(len(items) / 5)
    cols = math.ceil(len(items) / rows)
    gap = 24
    tile_w = (WIDTH - 2 * PAD - gap * (cols - 1)) // cols
    inner = tile_w - 48
    for r in range(rows):
        row = items[r * cols:(r + 1) * cols]
        tile_h = max(_text_height(h.label, 24, inner, True) + _text_height(h.value, 50, inner, True, 1.2)
                     + _text_height(words.headline_change(h), 22, inner)
                     + _text_height(h.caption, 21, inner) + 56 for h in row)
        for i, h in enumerate(row):
            x = PAD + i * (tile_w + gap)
            y = c.y
            c.box(x, y, tile_w, tile_h, words.TILE)
            c.box(x, y, 8, tile_h, words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED))
            y += 24
            y += c.text(h.label, 24, x + 28, inner, bold=True, colour=words.MUTED, y=y)
            y += c.text(h.value, 50, x + 28, inner, bold=True, y=y, spacing=1.2)
            y += c.text(words.headline_change(h), 22, x + 28, inner, y=y,
                        colour=words.ASSESSMENT_COLOURS.get(h.assessment, words.MUTED))
            c.text(h.caption, 21, x + 28, inner, colour=words.MUTED, y=y)
        c.y += tile_h + gap
    c.y += 8


def _chart_image(png: bytes, width: int) -> Image.Image:
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    height = round(picture.height * width / picture.width)
    return picture.resize((width, height), Image.Resampling.LANCZOS)


def _panel(c: _Canvas, panel: SnapshotPanel, picture: Image.Image | None, x: int, y: int,
           width: int) -> int:
    """Draw one panel cell at (x, y); return its height."""
    top = y
    y += c.text(panel.title, 30, x, width, bold=True, y=y)
    y += c.text(panel.caption, 22, x, width, y=y) + 10
    if picture is not None:
        c.paste(picture, x, y)
        y += picture.height + 8
    else:
        message = words.panel_empty_text(panel)
        h = _text_height(message, 24, width - 48) + 60
        c.box(x, y, width, h, words.TILE)
        c.text(message, 24, x + 24, width - 48, colour=words.MUTED, y=y + 30)
        y += h + 8
    for note in panel.notes:
        y += c.text("Note: " + note, 19, x, width, colour=words.MUTED, y=y)
    return y - top


def _panels(c: _Canvas, snapshot: Snapshot, pictures: dict[str, Image.Image]) -> None:
    if not snapshot.panels:
        return
    _heading(c, "Charts")
    col_w = (WIDTH - 2 * PAD - GAP) // COLUMNS
    panels = snapshot.panels
    for r in range(0, len(panels), COLUMNS):
        heights = []
        for i, panel in enumerate(panels[r:r + COLUMNS]):
            x = PAD + i * (col_w + GAP)
            heights.append(_panel(c, panel, pictures.get(panel.key), x, c.y, col_w))
        c.y += max(heights) + GAP


def _back_matter(c: _Canvas, snapshot: Snapshot) -> None:
    width = WIDTH - 2 * PAD
    if snapshot.definitions:
        _heading(c, "Definitions")
        for d in snapshot.definitions:
            c.text(words.definition_text(d), 20, PAD, width)
            c.y += 6
    notes = [*snapshot.footnotes, words.reopen_text(snapshot)]
    if any(notes):
        c.y += 10
        for note in notes:
            if note:
                c.text(note, 20, PAD, width, colour=words.MUTED)
    c.y += 20
    c.box(PAD, c.y, width, 2, words.RULE)
    c.y += 14
    footer = words.footer_text(snapshot)
    if snapshot.synthetic:
        footer = "DEMO DATA (SYNTHETIC) · " + footer
    c.text(footer, 20, PAD, width, colour=words.MUTED)
    c.y += PAD // 2


def _compose(c: _Canvas, snapshot: Snapshot, pictures: dict[str, Image.Image]) -> None:
    _title_block(c, snapshot)
    empty = words.view_empty_text(snapshot)
    if empty:
        _heading(c, "No figures")
        c.text(empty, 28, PAD, WIDTH - 2 * PAD)
        c.y += 20
    else:
        _headlines(c, snapshot)
        _panels(c, snapshot, pictures)
    _back_matter(c, snapshot)


def render_dashboard_png(snapshot: Snapshot, charts: dict[str, bytes]) -> bytes:
    """Return the whole dashboard as one PNG; `charts` maps panel keys to chart PNGs."""
    col_w = (WIDTH - 2 * PAD - GAP) // COLUMNS
    pictures = {key: _chart_image(png, col_w) for key, png in charts.items()}
    measure = _Canvas(None)
    _compose(measure, snapshot, pictures)
    image = Image.new("RGB", (WIDTH, measure.y), "white")
    _compose(_Canvas(image), snapshot, pictures)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def titled_chart_png(panel: SnapshotPanel, png: bytes, scale: float = 2) -> bytes:
    """Return a chart PNG with the panel's title above it, to stand alone (the ZIP's charts/)."""
    chart = Image.open(io.BytesIO(png)).convert("RGB")
    size = round(16 * scale)
    pad = round(12 * scale)
    inner = chart.width - 2 * pad
    band = _text_height(panel.title, size, inner, True) + 2 * pad
    image = Image.new("RGB", (chart.width, chart.height + band), "white")
    canvas = _Canvas(image)
    canvas.text(panel.title, size, pad, inner, bold=True, y=pad)
    image.paste(chart, (0, band))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def expected_size(snapshot: Snapshot, charts: dict[str, bytes]) -> tuple[int, int]:
    """Return the (width, height) render_dashboard_png gives, without drawing."""
    col_w = (WIDTH - 2 * PAD - GAP) // COLUMNS
    pictures = {key: _chart_image(png, col_w) for key, png in charts.items()}
    measure = _Canvas(None)
    _compose(measure, snapshot, pictures)
    return WIDTH, measure.y


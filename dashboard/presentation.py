"""Plan a presentation of a snapshot: which slides, in what order, and what each one holds.

A presentation is a title slide, the headline figures a few to a slide, one slide per panel
and closing slides with the definitions of the measures shown. Planning is plain data (no Dash
and no database), so the page, the tests and any other renderer agree on the slides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .snapshot.model import Definition, Headline, Snapshot, SnapshotPanel

HEADLINES_PER_SLIDE = 4          # two rows of two (three: the third alone, centred)
MAX_HEADLINE_SLIDES = 4          # more than this, and tiles leave out their detail lines
DEFINITION_LINES_PER_SLIDE = 17  # lines of large type a closing slide holds (18 fit)
CHARS_PER_LINE = 96              # of large type across a closing slide (about 100 fit)
KINDS = ("title", "headlines", "panel", "definitions", "message")

# How much a headline tile holds, in em of the deck's type, as assets/zz-shelfmark/present.css
# lays tiles out: the tile grid is 49.4em wide and 23.6em tall at 16:9 (other screen shapes
# give it as much room or more, but a very wide screen only 23.4em); Arial averages 0.45em a
# character of these captions (bold labels and changes 0.47-0.49em, bold figures at most
# 0.56em), and wrapping at word ends wastes some of each line.
GRID_WIDTH_EM = 49.4
GRID_HEIGHT_EM = 23.4
CHAR_EM = 0.46
BOLD_CHAR_EM = 0.48  # a change
LABEL_CHAR_EM = 0.51  # a tile's label (capitals, brackets)
DIGIT_EM = 0.56
WRAP = 0.95  # share of a line's width that wrapped text fills
LINE_EM = 1.3
VALUE_SLACK = 0.25  # the big figure's line box is a little taller than its type
FILL = 0.98  # use at most this share of a tile's height, for what the estimate misses


@dataclass(frozen=True)
class TileBox:
    """A tile's box in one grid of present.css: columns, rows and the type inside it."""

    columns: int
    rows: int
    scale: float      # the tiles' type size against the deck's
    pad_x: float      # padding, in em of the tiles' type
    pad_y: float
    gap: float        # between the lines of a tile
    value_em: float   # the figure's type size
    column_gap: float = 0.7
    row_gap: float = 0.4
    border: float = 0.3

    @property
    def width(self) -> float:
        outer = (GRID_WIDTH_EM - self.column_gap * (self.columns - 1)) / self.columns
        return outer / self.scale - 2 * self.pad_x - self.border

    @property
    def height(self) -> float:
        outer = (GRID_HEIGHT_EM - self.row_gap * (self.rows - 1)) / self.rows
        return outer / self.scale - 2 * self.pad_y


QUARTER = TileBox(columns=2, rows=2, scale=1.0, pad_x=0.7, pad_y=0.35, gap=0.2, value_em=2.0)
HALF = TileBox(columns=2, rows=1, scale=1.08, pad_x=0.9, pad_y=0.8, gap=0.4, value_em=2.6)


@dataclass(frozen=True)
class Slide:
    """One slide: its kind, its heading and the part of the snapshot it shows."""

    kind: str                                 # one of KINDS
    title: str
    headlines: tuple[Headline, ...] = ()
    panel: SnapshotPanel | None = None
    definitions: tuple[Definition, ...] = ()
    footnotes: tuple[str, ...] = ()
    message: str = ""
    details: bool = True                      # headline tiles show their detail lines


def chunk_evenly(items: list, most: int) -> list[list]:
    """Split items into as few runs of at most `most` as possible, their sizes differing by
    at most one (ten headlines at four a slide make 4, 3, 3, not 4, 4, 2)."""
    if not items:
        return []
    count = math.ceil(len(items) / most)
    size, extra = divmod(len(items), count)
    runs, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        runs.append(items[start:end])
        start = end
    return runs


def change_words(headline: Headline, page: str) -> str:
    """Say in words whether a headline's change (or standing) is good, for those who cannot
    tell the colours apart: "better", "worse", "best quarter", "bottom quarter" or ""."""
    if page == "benchmark":
        return {"good": "best quarter", "bad": "bottom quarter"}.get(headline.assessment, "")
    return {"good": "better", "bad": "worse"}.get(headline.assessment, "")


def change_line(headline: Headline, page: str) -> str:
    """Return a tile's change as shown: the change and, in brackets, whether it is good."""
    words = change_words(headline, page)
    return f"{headline.change} ({words})" if headline.change and words else headline.change


def tile_height(headline: Headline, box: TileBox, page: str = "", details: bool = True
                ) -> float:
    """Estimate the height, in em of the tiles' type, of a headline tile's words in a box."""
    width = box.width

    def lines(text: str, char_em: float, room: float = width) -> int:
        length = len(text) * char_em
        if length <= room:
            return 1 if text else 0
        return math.ceil(length / (room * WRAP))

    used = 1.2 * lines(headline.label, LABEL_CHAR_EM, width - 1.6)  # after the icon
    value_width = len(headline.value) * DIGIT_EM * box.value_em
    change = change_line(headline, page)
    used += box.value_em * 1.1 + VALUE_SLACK
    arrow = 1.2 if change[:1] in "+-−" and change else 0.0
    if change and value_width + 0.6 + arrow + len(change) * BOLD_CHAR_EM > width:
        used += LINE_EM * lines(change, BOLD_CHAR_EM, width - arrow)  # under the figure
    parts = 2
    if headline.caption:
        used += LINE_EM * lines(headline.caption, CHAR_EM)
        parts += 1
    if details and headline.details:
        used += LINE_EM * lines(" · ".join(headline.details), CHAR_EM)
        parts += 1
    return used + box.gap * (parts - 1)


def tile_fits(headline: Headline, box: TileBox, page: str = "", details: bool = True) -> bool:
    """Say whether a headline tile's words fit its box in large type (an estimate)."""
    return tile_height(headline, box, page, details) <= box.height * FILL


def headline_plan(headlines: list[Headline], page: str = "") -> tuple[int, bool]:
    """Choose how many headline tiles go on a slide (4 or 2, or 1) and whether they show
    their detail lines: four with details if they fit, else two (up to MAX_HEADLINE_SLIDES
    slides), else the most that fit without details."""
    if not headlines:
        return HEADLINES_PER_SLIDE, True

    def fit(box: TileBox, details: bool) -> bool:
        return all(tile_fits(h, box, page, details) for h in headlines)

    if fit(QUARTER, True):
        return HEADLINES_PER_SLIDE, True
    if math.ceil(len(headlines) / 2) <= MAX_HEADLINE_SLIDES and fit(HALF, True):
        return 2, True
    if fit(QUARTER, False):
        return HEADLINES_PER_SLIDE, False
    if fit(HALF, False):
        return 2, False
    return 1, False


def _lines(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_LINE))


def definition_pages(definitions: list[Definition], footnotes: tuple[str, ...] = ()
                     ) -> list[tuple[tuple[Definition, ...], tuple[str, ...]]]:
    """Share definitions, then method notes, between closing slides that each fit in large type.

    Return (definitions, footnotes) per slide; an item longer than a whole slide gets one.
    """
    # A definition is its name on a line, then its text (as definitions_slide lays it out).
    entries = [("definition", d, 1 + _lines(d.definition) + 0.3) for d in definitions]
    if footnotes:
        entries.append(("heading", None, 1.3))
    entries += [("footnote", f, _lines(f) + 0.2) for f in footnotes]
    pages: list[list] = [[]]
    used = 0.0
    for entry in entries:
        if pages[-1] and used + entry[2] > DEFINITION_LINES_PER_SLIDE:
            pages.append([])
            used = 0.0
        pages[-1].append(entry)
        used += entry[2]
    result = []
    for page in pages:
        defs = tuple(e[1] for e in page if e[0] == "definition")
        notes = tuple(e[1] for e in page if e[0] == "footnote")
        if defs or notes:
            result.append((defs, notes))
    return result


def _numbered(title: str, index: int, count: int) -> str:
    return f"{title} ({index} of {count})" if count > 1 else title


def headline_title(snapshot: Snapshot) -> str:
    """Return the heading of the headline slides: what the figures are compared with."""
    period = f", {snapshot.period_label}" if snapshot.period_label else ""
    if snapshot.page == "benchmark":
        return f"Against similar services{period}"
    return f"Headline figures{period}"


def plan_slides(snapshot: Snapshot) -> list[Slide]:
    """Return the slides of a snapshot's presentation, in order."""
    slides = [Slide("title", snapshot.title)]
    if snapshot.empty_message:
        slides.append(Slide("message", "Nothing to show", message=snapshot.empty_message))
        return slides
    per_slide, details = headline_plan(list(snapshot.headlines), snapshot.page)
    runs = chunk_evenly(list(snapshot.headlines), per_slide)
    heading = headline_title(snapshot)
    for i, run in enumerate(runs, start=1):
        slides.append(Slide("headlines", _numbered(heading, i, len(runs)), headlines=tuple(run),
                            details=details))
    for panel in snapshot.panels:
        slides.append(Slide("panel", panel.title, panel=panel))
    pages = definition_pages(list(snapshot.definitions), tuple(snapshot.footnotes))
    titles = ["Definitions of the measures shown" if defs else "Notes on the figures"
              for defs, _ in pages]
    for i, ((defs, notes), title) in enumerate(zip(pages, titles)):
        same = [t for t in titles if t == title]
        slides.append(Slide("definitions", _numbered(title, titles[:i + 1].count(title),
                                                     len(same)),
                            definitions=defs, footnotes=notes))
    if len(slides) == 1:
        slides.append(Slide("message", "Nothing to show",
                            message="This view has no figures or charts to present."))
    return slides


def slide_number(raw, count: int) -> int:
    """Read an untrusted slide number (1-based) from a link; anything unusable means 1."""
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    if isinstance(raw, bool) or count < 1:
        return 1
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 6:
        raw = int(raw.strip())
    if not isinstance(raw, int):
        return 1
    return min(max(raw, 1), count)

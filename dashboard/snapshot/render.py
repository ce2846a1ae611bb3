"""Turn a Snapshot into a downloadable file: PDF, PowerPoint, PNG, HTML, XLSX, CSV or ZIP.

`render(snapshot, fmt, progress)` is the one entry point for downloads, the command line and
the bench. Charts are drawn by the process's warm Chromium (`charts`), in one batch per file,
each chart at most once per kind however many files of a bundle use it: PNGs (scale 2) feed
the PowerPoint, the whole-dashboard PNG and the bundle's chart files; vector PDFs feed the
PDF. Any failure is a `RenderError` whose message a person can read; no half-written file
is ever returned.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Callable

from . import charts as chart_images
from .charts import ChartError, ChartRenderer, ChartSpec
from .model import MEDIA_TYPES, SNAPSHOT_FORMATS, Snapshot, SnapshotFile, SnapshotPanel

__all__ = ["RenderError", "render", "render_chart", "CHART_PNG_WIDTH", "CHART_PNG_SCALE"]

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

CHART_PNG_WIDTH = 720     # CSS pixels of each chart image shared by PNG, PowerPoint and ZIP
CHART_PNG_SCALE = 2       # sharp on slides and high-resolution screens
# Slide charts are drawn in the shape of the slide's chart area (12.3 x 5.2 in), so that a
# tall chart (a league table of 25 measures) is not shrunk into an unreadable strip.
SLIDE_CHART_SIZE = (1150, 490)


class RenderError(RuntimeError):
    """A snapshot could not be rendered; the message says why, for the person who asked."""


class _Charts:
    """The chart images of one render: drawn in batches, each at most once per kind."""

    def __init__(self, snapshot: Snapshot, renderer: ChartRenderer,
                 report: Callable[[int, int], None] | None) -> None:
        self.panels = [p for p in snapshot.panels if p.has_chart]
        self.renderer = renderer
        self.report = report
        self._futures: dict[str, Future] = {}
        self._done: dict[str, dict[str, bytes]] = {}
        self._batch_kinds: dict[int, tuple[str, ...]] = {}

    def _spec(self, panel: SnapshotPanel, kind: str) -> ChartSpec:
        figure = chart_images.untitled(panel.figure)
        if kind == "pdf":
            from .pdf import chart_size_px

            width, height = chart_size_px(panel)
            return ChartSpec(figure, "pdf", 1, width, height, panel.title)
        if kind == "slide":
            return ChartSpec(figure, "png", CHART_PNG_SCALE, *SLIDE_CHART_SIZE, panel.title)
        return ChartSpec(figure, "png", CHART_PNG_SCALE, CHART_PNG_WIDTH, None, panel.title)

    def start(self, *kinds: str) -> None:
        """Start drawing the charts of these kinds ('png', 'pdf', 'slide') in one batch."""
        kinds = tuple(k for k in kinds if k not in self._futures and k not in self._done)
        if not kinds or not self.panels:
            return
        specs = [self._spec(p, kind) for kind in kinds for p in self.panels]
        try:
            future = self.renderer.submit(specs, self.report)
        except ChartError as error:
            raise RenderError(str(error)) from error
        for kind in kinds:
            self._futures[kind] = future
        self._batch_kinds[id(future)] = kinds

    def get(self, kind: str) -> dict[str, bytes]:
        """Return {panel key: image bytes} of one kind, drawing it now if not started."""
        if kind in self._done:
            return self._done[kind]
        self.start(kind)
        if not self.panels:
            return {}
        future = self._futures.pop(kind)
        kinds = self._batch_kinds[id(future)]
        try:
            images = self.renderer.wait(future)
        except ChartError as error:
            raise RenderError(str(error)) from error
        n = len(self.panels)
        for i, k in enumerate(kinds):
            self._done[k] = {p.key: images[i * n + j] for j, p in enumerate(self.panels)}
            self._futures.pop(k, None)
        return self._done[kind]


class _Job:
    """One call of `render`: the snapshot, its charts and the progress bar."""

    def __init__(self, snapshot: Snapshot, progress: Progress | None,
                 renderer: ChartRenderer) -> None:
        self.snapshot = snapshot
        self.progress = progress
        self.charts = _Charts(snapshot, renderer, self._chart_done)
        self.chart_share = 0.7  # of the bar, while charts are drawn

    def say(self, stage: str, fraction: float) -> None:
        if self.progress is not None:
            try:
                self.progress(stage, max(0.0, min(1.0, fraction)))
            except Exception:  # noqa: BLE001 - a progress bar must never break a download
                log.exception("snapshot progress callback failed")

    def _chart_done(self, done: int, total: int) -> None:
        self.say(f"Drawing charts ({done} of {total})", self.chart_share * done / total)


def _render_pdf(job: _Job) -> bytes:
    from . import pdf

    job.charts.start("pdf")
    paper, placements = pdf.layout(job.snapshot)  # while Chromium draws the charts
    charts = job.charts.get("pdf")
    job.say("Placing charts on the pages", 0.8)
    return pdf.place_charts(paper, placements, charts)


def _render_pptx(job: _Job) -> bytes:
    from .slides import render_pptx

    pngs = job.charts.get("slide")
    job.say("Making slides", 0.8)
    return render_pptx(job.snapshot, pngs)


def _render_png(job: _Job) -> bytes:
    from .images import render_dashboard_png

    pngs = job.charts.get("png")
    job.say("Composing the image", 0.8)
    return render_dashboard_png(job.snapshot, pngs)


def _render_html(job: _Job) -> bytes:
    from .html import render_html

    job.say("Writing the web page", 0.3)
    return render_html(job.snapshot)


def _render_xlsx(job: _Job) -> bytes:
    from .tables import render_xlsx

    job.say("Writing the workbook", 0.3)
    return render_xlsx(job.snapshot)


def _render_csv(job: _Job) -> bytes:
    from .tables import render_csv

    job.say("Writing the CSV", 0.3)
    return render_csv(job.snapshot)


def _render_zip(job: _Job) -> bytes:
    from .bundle import render_zip

    job.charts.start("pdf", "png", "slide")  # one batch for every chart of the bundle
    return render_zip(job.snapshot, job.charts.get, job.say)


RENDERERS: dict[str, Callable[[_Job], bytes]] = {
    "pdf": _render_pdf, "pptx": _render_pptx, "png": _render_png, "html": _render_html,
    "xlsx": _render_xlsx, "csv": _render_csv, "zip": _render_zip,
}


def render(snapshot: Snapshot, fmt: str, progress: Progress | None = None, *,
           renderer: ChartRenderer | None = None) -> SnapshotFile:
    """Render a snapshot as one file of a format in SNAPSHOT_FORMATS.

    `progress(stage, fraction)` is called as work advances. `renderer` replaces the process's
    shared chart renderer (for tests). Raise RenderError, with a message for the person who
    asked, when the file cannot be made.
    """
    if fmt not in SNAPSHOT_FORMATS:
        raise RenderError(f"Unknown snapshot format {fmt!r}: choose one of "
                          f"{', '.join(SNAPSHOT_FORMATS)}.")
    job = _Job(snapshot, progress, renderer or chart_images.renderer())
    job.say("Starting", 0.0)
    try:
        content = RENDERERS[fmt](job)
    except RenderError:
        raise
    except ChartError as error:
        raise RenderError(str(error)) from error
    except Exception as error:
        log.exception("rendering a %s snapshot failed", fmt)
        raise RenderError(f"The {fmt.upper()} file could not be made: "
                          f"{type(error).__name__}: {error}") from error
    job.say("Done", 1.0)
    return SnapshotFile(content, f"{snapshot.file_stem}.{fmt}", MEDIA_TYPES[fmt])


def render_chart(panel: SnapshotPanel, fmt: str = "png", scale: float = 2, *,
                 renderer: ChartRenderer | None = None) -> bytes:
    """Draw one panel's chart alone, with its title (PNG, PDF or SVG)."""
    if not panel.has_chart:
        raise RenderError(f"{panel.title}: {panel.empty_message or 'there is no chart to draw.'}")
    figure = dict(panel.figure)
    layout = dict(figure.get("layout") or {})
    title = layout.get("title")
    if not (isinstance(title, dict) and title.get("text")) and not isinstance(title, str):
        layout["title"] = {"text": panel.title}
        figure["layout"] = layout
    if fmt != "png":
        scale = 1  # vector: the size is in points, and Chromium's PDF margins are not scaled
    spec = ChartSpec(figure, fmt, scale, CHART_PNG_WIDTH, None, panel.title)
    try:
        chosen = renderer or chart_images.renderer()
        return chosen.wait(chosen.submit([spec]))[0]
    except ChartError as error:
        raise RenderError(str(error)) from error
    except ValueError as error:
        raise RenderError(f"Unknown chart format {fmt!r}: choose png, pdf or svg.") from error

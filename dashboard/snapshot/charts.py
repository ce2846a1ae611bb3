"""Draw Plotly figures as PNG or PDF with one warm headless Chromium shared by the process.

Starting Chromium takes seconds; drawing a chart in a browser that is already running takes a
fraction of a second. So the renderer is started once, lazily on first use (or by `warm()` at
app start), kept running, and shared by every thread: a lock guards starting and stopping, and
a batch of figures is drawn in one call, spread over a few browser tabs at once.

Why not `kaleido.start_sync_server`: its worker thread dies silently when Chromium cannot
start, after which every call waits forever; and it cannot return the bytes of a batch. This
module runs a `kaleido.Kaleido` on an event loop of its own instead, so a failure becomes a
`ChartError` with a message a person can act on, and a batch is `asyncio.gather` over tabs.

`BROWSER_PATH` chooses the browser (as kaleido's own lookup does); otherwise kaleido finds
/usr/bin/chromium. Figures keep the dashboard's theme: one without a template gets
`dashboard.figures.theme.TEMPLATE`, the one the screen uses.
"""

from __future__ import annotations

import asyncio
import atexit
import copy
import os
import re
import shutil
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..figures.theme import TEMPLATE

CHART_FORMATS = ("png", "pdf", "svg")
DEFAULT_WIDTH = 960        # CSS pixels of a chart drawn alone
DEFAULT_HEIGHT = 360
TABS = 2                   # charts drawn at once; the machines have two cores
# Chromium prints a PDF with 0.1 in margins (kaleido's printToPDF settings) on a page of the
# figure's size, so the figure's right and bottom 0.2 in would be cut off. A PDF chart is drawn
# 0.2 in (19.2 px) larger, with the plot area unchanged, and its page trimmed back by 0.1 in
# on every side, which leaves exactly the figure.
PDF_MARGIN_PT = 7.2
PDF_PAD_PX = 20
START_TIMEOUT = 60         # seconds to start Chromium
CHART_TIMEOUT = 60         # seconds to draw one chart

_TEMPLATE_JSON = TEMPLATE.to_plotly_json()


class ChartError(RuntimeError):
    """Charts could not be drawn; the message says why in words a person can act on."""


@dataclass(frozen=True)
class ChartSpec:
    """One image to draw: a Plotly JSON figure, its format, scale and size in CSS pixels."""

    figure: dict[str, Any]
    fmt: str = "png"
    scale: float = 1
    width: int | None = None
    height: int | None = None
    label: str = ""            # names the chart in error messages


class _ChartFailed(Exception):
    """One chart of a batch failed: says which, and why."""


def browser_path() -> str | None:
    """Return the browser kaleido will use: BROWSER_PATH if set, else Chromium on the PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _not_found_message() -> str:
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        return (f"Charts could not be drawn: Chromium was not found at {configured} "
                "(the BROWSER_PATH setting). Point BROWSER_PATH at a Chromium or Chrome "
                "executable, or unset it to use /usr/bin/chromium.")
    return ("Charts could not be drawn: Chromium was not found at /usr/bin/chromium. "
            "Install it (Debian: apt-get install -y chromium) or set BROWSER_PATH to a "
            "Chromium or Chrome executable.")


def template_json(template: Any) -> dict[str, Any]:
    """Return a layout's template as Plotly JSON: a named one (e.g. "shelfmark") looked up in
    plotly.io.templates, none at all as the dashboard's own."""
    if isinstance(template, dict):
        return template
    if isinstance(template, str):
        import plotly.io as pio

        try:
            return pio.templates[template].to_plotly_json()
        except (KeyError, ValueError):
            pass
    if template is not None and hasattr(template, "to_plotly_json"):
        return template.to_plotly_json()
    return copy.deepcopy(_TEMPLATE_JSON)


def prepare_figure(figure: dict[str, Any], width: int | None = None,
                   height: int | None = None) -> dict[str, Any]:
    """Return a copy of a Plotly JSON figure sized for export, in the dashboard's theme."""
    figure = {"data": copy.deepcopy(list(figure.get("data") or [])),
              "layout": copy.deepcopy(dict(figure.get("layout") or {}))}
    layout = figure["layout"]
    layout["template"] = template_json(layout.get("template"))
    layout["width"] = int(width or layout.get("width") or DEFAULT_WIDTH)
    layout["height"] = int(height or layout.get("height") or DEFAULT_HEIGHT)
    layout.pop("autosize", None)
    margin = dict(layout.get("margin") or _TEMPLATE_JSON["layout"].get("margin") or {})
    margin["b"] = max(int(margin.get("b") or 0), 60)  # room below the x axis title
    layout["margin"] = margin
    return figure


def _padded(figure: dict[str, Any]) -> dict[str, Any]:
    """Grow a prepared figure and its right and bottom margins by PDF_PAD_PX (see above)."""
    layout = figure["layout"]
    margin = dict(layout.get("margin") or {})
    for side, default in (("r", 20), ("b", 60)):
        margin[side] = int(margin.get(side) or default) + PDF_PAD_PX
    layout["margin"] = margin
    layout["width"] += PDF_PAD_PX
    layout["height"] += PDF_PAD_PX
    return figure


def _trim_pdf(content: bytes) -> bytes:
    """Cut Chromium's print margins off a one-page chart PDF: the page becomes the figure."""
    import io

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    box = page.mediabox
    left, bottom = float(box.left) + PDF_MARGIN_PT, float(box.bottom) + PDF_MARGIN_PT
    right, top = float(box.right) - PDF_MARGIN_PT, float(box.top) - PDF_MARGIN_PT
    for name in ("mediabox", "cropbox"):
        setattr(page, name, type(box)((left, bottom, right, top)))
    writer = PdfWriter()
    writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class ChartRenderer:
    """A Chromium kept running on a private event loop, drawing batches of figures."""

    def __init__(self, path: str | None = None, tabs: int = TABS,
                 timeout: float = CHART_TIMEOUT) -> None:
        self.path = path
        self.tabs = tabs
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        """Start Chromium unless it is running; raise ChartError when it cannot start."""
        with self._lock:
            if self._kaleido is not None:
                return
            path = self.path or browser_path()
            if not path or not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise ChartError(_not_found_message())
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="shelfmark-charts",
                                      daemon=True)
            thread.start()
            future = asyncio.run_coroutine_threadsafe(self._open(path), loop)
            try:
                self._kaleido = future.result(START_TIMEOUT)
            except BaseException as error:
                future.cancel()
                _stop_loop(loop, thread)
                if isinstance(error, FutureTimeout):
                    raise ChartError(f"Charts could not be drawn: Chromium ({path}) did not "
                                     f"start within {START_TIMEOUT} seconds.") from None
                raise ChartError(f"Charts could not be drawn: Chromium ({path}) could not "
                                 f"start: {_describe(error)}") from error
            self._loop, self._thread = loop, thread

    async def _open(self, path: str):
        from kaleido import Kaleido

        kaleido = Kaleido(n=self.tabs, timeout=self.timeout, mathjax=False, path=path)
        await kaleido.open()
        return kaleido

    def submit(self, specs: Sequence[ChartSpec],
               on_done: Callable[[int, int], None] | None = None) -> Future:
        """Start drawing a batch (spread over the tabs); return a future of their bytes.

        `on_done(done, total)` is called (from the renderer's thread) as each chart is drawn.
        Wait with `wait(future)`, which turns failures into ChartError.
        """
        for spec in specs:
            if spec.fmt not in CHART_FORMATS:
                raise ValueError(f"unknown chart format {spec.fmt!r}: expected one of "
                                 f"{', '.join(CHART_FORMATS)}")
        prepared = [_padded(prepare_figure(s.figure, s.width, s.height)) if s.fmt == "pdf"
                    else prepare_figure(s.figure, s.width, s.height) for s in specs]
        while True:
            self.start()
            with self._lock:  # the browser another thread's failure may just have closed
                loop, kaleido = self._loop, self._kaleido
            if loop is not None and kaleido is not None:
                break
        total = len(specs)
        done = 0

        async def draw(spec: ChartSpec, figure: dict[str, Any]) -> bytes:
            nonlocal done
            try:
                image = await kaleido.calc_fig(figure, opts={
                    "format": spec.fmt, "scale": spec.scale,
                    "width": figure["layout"]["width"], "height": figure["layout"]["height"]})
            except Exception as error:
                name = f"the chart “{spec.label}”" if spec.label else "a chart"
                raise _ChartFailed(f"{name} failed: {_describe(error)}") from error
            if spec.fmt == "pdf":
                image = await asyncio.to_thread(_trim_pdf, image)
            done += 1
            if on_done is not None:
                on_done(done, total)
            return image

        async def draw_all() -> list[bytes]:
            return list(await asyncio.gather(*(draw(s, f) for s, f in zip(specs, prepared))))

        future = asyncio.run_coroutine_threadsafe(draw_all(), loop)
        future.chart_count = total  # type: ignore[attr-defined]
        return future

    def wait(self, future: Future) -> list[bytes]:
        """Wait for a batch started by `submit`; raise ChartError when it failed."""
        count = getattr(future, "chart_count", 1)
        try:
            return future.result(self.timeout * (1 + count / self.tabs) + 10)
        except BaseException as error:
            future.cancel()
            if not _figure_error(error):
                self.close()  # a browser in an unknown state: start afresh next time
            if isinstance(error, FutureTimeout):
                raise ChartError("Charts could not be drawn: Chromium did not answer in "
                                 "time.") from None
            raise ChartError(f"Charts could not be drawn: {_describe(error)}") from error

    def render(self, figures: Sequence[dict[str, Any]], fmt: str = "png", *,
               scale: float = 1, width: int | None = None,
               height: int | None = None) -> list[bytes]:
        """Draw figures (Plotly JSON) in one batch; return their bytes in the same order."""
        if not figures:
            return []
        return self.wait(self.submit([ChartSpec(f, fmt, scale, width, height)
                                      for f in figures]))

    def close(self) -> None:
        """Stop Chromium (it starts again on the next render)."""
        with self._lock:
            loop, thread, kaleido = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
            if loop is None:
                return
            if kaleido is not None:
                try:
                    asyncio.run_coroutine_threadsafe(kaleido.close(), loop).result(15)
                except BaseException:  # noqa: BLE001 - closing a broken browser: best effort
                    pass
            _stop_loop(loop, thread)


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    if not thread.is_alive():
        loop.close()


def _figure_error(error: BaseException) -> bool:
    """Say whether plotly.js refused a figure (the browser itself is fine)."""
    return (isinstance(error, _ChartFailed)
            and type(error.__cause__).__name__ in ("JavascriptError", "KaleidoError"))


def _describe(error: BaseException) -> str:
    """Say an error in one short line (a JavaScript error by its description)."""
    text = str(error).strip() or type(error).__name__
    found = re.search(r"'description': '([^'\\]*)", text)
    if found:
        text = found.group(1).replace("\\n", " ")
    return text.splitlines()[0][:300]


# --- the process-wide renderer ------------------------------------------------------------------

_shared: ChartRenderer | None = None
_shared_lock = threading.Lock()


def renderer() -> ChartRenderer:
    """Return the process-wide renderer (created on first use, started on first render)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ChartRenderer()
            atexit.register(shutdown)
        return _shared


def warm() -> None:
    """Start the shared renderer now (at app start), so the first download is fast.

    Raise ChartError when Chromium cannot start.
    """
    renderer().start()


def shutdown() -> None:
    """Stop the shared renderer's browser, if it runs."""
    with _shared_lock:
        shared = _shared
    if shared is not None:
        shared.close()


def untitled(figure: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a figure without its title (the document sets the title as text), its
    top margin cut to what the legend needs."""
    layout = dict(figure.get("layout") or {})
    layout["title"] = {"text": ""}
    margin = dict(layout.get("margin") or _TEMPLATE_JSON["layout"].get("margin") or {})
    shows_legend = layout.get("showlegend", len(figure.get("data") or []) > 1)
    margin["t"] = 44 if shows_legend else 16
    layout["margin"] = margin
    return {"data": figure.get("data") or [], "layout": layout}

"""Make a snapshot file of a view in one call: read the address, build, render.

The page's download buttons (as a background job), the `/download/snapshot` route and the
`python -m dashboard snapshot` command all come through here, so they produce the same files.
"""

from __future__ import annotations

from typing import Callable

from .build import SnapshotError, build_snapshot, parse_url, read_view_state
from .model import SNAPSHOT_FORMATS, SnapshotFile

Progress = Callable[[str, float], None]


def _quiet(stage: str, fraction: float) -> None:
    del stage, fraction


def check_format(fmt) -> str:
    """Return a known snapshot format, or raise SnapshotError naming the known ones."""
    if not isinstance(fmt, str) or fmt.lower() not in SNAPSHOT_FORMATS:
        raise SnapshotError(f"Unknown format {str(fmt)[:20]!r}: use one of "
                            f"{', '.join(SNAPSHOT_FORMATS)}.")
    return fmt.lower()


def address(url: str | None = None, state=None) -> tuple[str, dict]:
    """Read a view's address from a page URL or a view-state file (exactly one of them)."""
    if (url is None) == (state is None):
        raise SnapshotError("Give either the page's address or a view file, not both.")
    return parse_url(url) if url is not None else read_view_state(state)


def check_service(ctx, viewer, query: dict) -> None:
    """Refuse an address naming a service that is not there (the page would show another
    one; a file for a service nobody asked for is worse than no file)."""
    from ..db.services import get_service

    code = query.get("service")
    if code and get_service(ctx.db, viewer, code) is None:
        raise SnapshotError(f"there is no service {code[:64]!r}.")


def make_snapshot(ctx, viewer, page: str, query: dict, fmt: str,
                  progress: Progress | None = None,
                  base_url: str | None = None) -> SnapshotFile:
    """Build the view's snapshot and render it in a format; raise SnapshotError or the
    renderer's RenderError with a message for people."""
    from .render import render

    progress = progress or _quiet
    fmt = check_format(fmt)
    progress("Gathering the figures", 0.02)
    snapshot = build_snapshot(ctx, viewer, page, query, base_url)
    progress("Drawing", 0.1)

    def rendering(stage: str, fraction: float) -> None:
        progress(stage, 0.1 + 0.9 * max(0.0, min(1.0, fraction)))

    return render(snapshot, fmt, progress=rendering)

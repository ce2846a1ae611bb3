"""Write a view as a file, as a page's Download button does: the snapshot command."""

from __future__ import annotations

import sys
import time

import click

from ..db import COMMAND_LINE, Database
from ..settings import load_config
from .common import one_of


@click.command("snapshot")
@click.option("--url", default=None, metavar="ADDRESS",
              help='The page address, e.g. "/finance?service=DEMO003&from=2024-04". '
              "Give --url or --state.")
@click.option("--state", default=None, metavar="FILE.json",
              help="A view.json file (from a snapshot's ZIP bundle).")
@click.option("--format", "fmt",
              type=click.Choice(["pdf", "pptx", "png", "html", "xlsx", "csv", "zip"]),
              default=None, show_default="from -o's suffix", help="File format.")
@click.option("-o", "--output", default=None, metavar="FILE",
              show_default="a name made from the view, in this folder", help="File to write.")
@click.option("--quiet", is_flag=True, help="No progress indicator.")
@click.pass_context
def snapshot(ctx: click.Context, url: str | None, state: str | None, fmt: str | None,
             output: str | None, quiet: bool) -> int:
    """Write a snapshot of a view (PDF, PowerPoint, PNG, ...).

    Write the same file as a page's Download button: the view at a page address (as in the
    browser's address bar) or in a view.json file from a snapshot's ZIP bundle. The format
    follows -o's suffix unless --format says otherwise. Exit status: 0 written, 1 the view or
    file could not be made, 2 bad arguments.
    """
    from pathlib import Path

    from ..context import AppContext
    from ..snapshot.build import SnapshotError
    from ..snapshot.make import address, check_format, check_service, make_snapshot

    one_of(ctx, "url", "state", required=True)

    def fail(message: str, code: int = 2) -> int:
        print(f"No snapshot written: {message}", file=sys.stderr)
        return code

    try:
        fmt = fmt or (Path(output).suffix.lstrip(".").lower() if output else "")
        fmt = check_format(fmt)
    except SnapshotError:
        return fail("give --format (pdf, pptx, png, html, xlsx, csv or zip) or an -o file "
                    "name ending in one of them")
    if output and Path(output).suffix and Path(output).suffix.lstrip(".").lower() != fmt:
        return fail(f"--format {fmt} does not match the file name {output!r}")
    view = None
    if state:
        try:
            view = Path(state).read_bytes()[:200_000]
        except OSError as exc:
            return fail(f"cannot read {state!r}: {exc.strerror or exc}")
    try:
        page, query = address(url, view)
    except SnapshotError as exc:
        return fail(str(exc))
    config = load_config()
    db = Database.from_config(config)
    app_context = AppContext(db, config, None)
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        if not quiet and sys.stderr.isatty():
            print(f"\r{stage[:50]:<50} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        check_service(app_context, COMMAND_LINE, query)
        made = make_snapshot(app_context, COMMAND_LINE, page, query, fmt, progress)
    except SnapshotError as exc:
        return fail(str(exc), 1)
    except Exception as exc:
        if type(exc).__name__ == "RenderError":
            return fail(str(exc), 1)
        raise
    finally:
        db.dispose()
    if not quiet and sys.stderr.isatty():
        print("", file=sys.stderr)
    target = output or made.filename
    try:
        Path(target).write_bytes(made.content)
    except OSError as exc:
        return fail(f"cannot write {target!r}: {exc.strerror or exc}")
    print(f"Wrote {target} ({len(made.content):,} bytes) in "
          f"{time.perf_counter() - started:.1f} s.", file=sys.stderr)
    return 0

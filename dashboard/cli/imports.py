"""Move figures in and out: template, import, imports, undo-import and export."""

from __future__ import annotations

import os
import sys
import time

import click

from ..db import COMMAND_LINE
from ..settings import load_config
from .common import open_database, write_output


@click.command("template")
@click.option("--layout", type=click.Choice(["long", "wide"]), default="long",
              help="long: one row per figure; wide: one column per metric.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              show_default="from the -o file name; CSV without -o", help="File format.")
@click.option("--sector", type=click.Choice(["nhs", "academic", "public", "other"]),
              default=None, help="Only the metrics of one sector.")
@click.option("-o", "--output", default=None, metavar="FILE", show_default="standard output",
              help="File to write, *.csv or *.xlsx.")
def template(layout: str, fmt: str | None, sector: str | None, output: str | None) -> int:
    """Write the import template (CSV or XLSX).

    Write the Shelfmark import template, generated from the metric catalogue. The format
    follows the -o file name (.csv or .xlsx) unless --format is given; they must agree. With no
    -o, CSV goes to standard output (XLSX, asked for with --format xlsx, to a file named after
    the template). Exit status 2: the format and the file name disagree.
    """
    from ..importing.template import (template_csv, template_filename, template_format,
                                      template_xlsx)

    try:  # --format and -o default to absent: see template_format
        fmt = template_format(fmt, output)
    except ValueError as exc:
        print(f"No template written: {exc}", file=sys.stderr)
        return 2
    maker = template_csv if fmt == "csv" else template_xlsx
    content = maker(layout, sector=sector)
    write_output(content, output, template_filename(layout, fmt, sector), binary=fmt == "xlsx")
    return 0


def _print_problems(problems, stream=sys.stderr, limit: int = 1000) -> None:
    for problem in problems[:limit]:
        print(f"  {'warning' if problem.severity == 'warning' else 'error'}: {problem}",
              file=stream)
    if len(problems) > limit:
        print(f"  … and {len(problems) - limit:,} more", file=stream)


@click.command("import")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["auto", "shelfmark", "imls-pls", "ace"]),
              default="auto", help="File format; auto detects it from the columns.")
@click.option("--dry-run", is_flag=True,
              help="Validate and count what would change, write nothing.")
@click.option("--create-services", is_flag=True,
              help="Create services whose codes are not known yet.")
@click.option("--sheet", default=None, metavar="NAME", show_default="the first data sheet",
              help="XLSX sheet to read.")
@click.option("--user", metavar="NAME", default=lambda: os.environ.get("USER", "cli"),
              show_default="$USER, else cli", help="Who is importing, recorded with the batch.")
@click.option("--quiet", is_flag=True, help="No progress indicator.")
def import_figures(file: str, fmt: str, dry_run: bool, create_services: bool,
                   sheet: str | None, user: str, quiet: bool) -> int:
    """Import figures from a CSV or XLSX file (or ACE folder).

    Validate FILE (a CSV or XLSX file, a .gz of one, or the ACE data folder) and load it in one
    transaction as one import batch. Any error: nothing is written, and every problem is
    listed with its row, column and reason (exit status 1).
    """
    from ..db.imports import import_data
    from ..importing import ImportFailed
    from ..importing.load import read_path

    config = load_config()
    db = open_database()
    db.upgrade()
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        print(f"\r  {stage:<10} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        data = read_path(db, COMMAND_LINE, config, file, fmt=fmt,
                         create_services=create_services, sheet=sheet)
        result = import_data(db, COMMAND_LINE, data, created_by=user,
                             create_services=create_services, dry_run=dry_run,
                             progress=None if quiet else progress)
    except ImportFailed as failed:
        print(f"\nNothing was imported: {len(failed.problems):,} problem(s) in {file}",
              file=sys.stderr)
        _print_problems(failed.problems)
        return 1
    if not quiet:
        print(file=sys.stderr)
    if result.warnings:
        print(f"{len(result.warnings):,} warning(s):", file=sys.stderr)
        _print_problems(result.warnings)
    if result.replacements is not None and len(result.replacements):
        print("Values replaced (old -> new), first ones:", file=sys.stderr)
        for row in result.replacements.head(20).itertuples():
            print(f"  {row.service} {row.metric} {row.period_start} {row.team}: "
                  f"{row.old} -> {row.new}", file=sys.stderr)
    seconds = time.perf_counter() - started
    if dry_run:
        print(f"Dry run, nothing written: {result.summary()} ({seconds:.1f} s).")
    elif result.batch_id is None:
        print(f"Nothing changed: {result.summary()} ({seconds:.1f} s).")
    else:
        print(f"Imported as batch {result.batch_id}: {result.summary()} ({seconds:.1f} s).")
    return 0


@click.command("imports")
def list_imports() -> int:
    """List import batches.

    List every import batch, newest first, with its counts.
    """
    from ..db.imports import list_batches

    batches = list_batches(open_database(), COMMAND_LINE)
    if not batches:
        print("No imports yet.")
        return 0
    print(f"{'batch':>5}  {'when':<19}  {'status':<9} {'format':<9} {'added':>9} "
          f"{'replaced':>9} {'unchanged':>9}  file")
    for b in batches:
        when = b["created_at"].strftime("%Y-%m-%d %H:%M:%S") if b["created_at"] else ""
        print(f"{b['id']:>5}  {when:<19}  {b['status']:<9} {b['format'] or b['kind']:<9} "
              f"{b['added']:>9,} {b['replaced']:>9,} {b['unchanged']:>9,}  {b['filename']}")
    return 0


@click.command("undo-import")
@click.argument("batch", type=int)
def undo_batch(batch: int) -> int:
    """Undo an import batch.

    Remove exactly what batch BATCH (see `imports`) added and restore the values it replaced,
    in one transaction.
    """
    from ..db.imports import undo_import
    from ..importing import ImportFailed

    try:
        result = undo_import(open_database(), COMMAND_LINE, batch)
    except ImportFailed as failed:
        print(f"Nothing was undone: {failed}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


@click.command("export")
@click.option("--service", "services", multiple=True, metavar="CODE",
              show_default="every service", help="A service to export (repeat for more).")
@click.option("--layout", type=click.Choice(["long", "wide"]), default="long", help="Layout.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              help="File format.")
@click.option("--from", "start", default=None, metavar="YYYY-MM",
              help="First month (periods starting from it).")
@click.option("--to", "end", default=None, metavar="YYYY-MM",
              help="Last month (periods starting up to it).")
@click.option("-o", "--output", default=None, metavar="FILE", help="File to write.")
def export_figures(services: tuple[str, ...], layout: str, fmt: str, start: str | None,
                   end: str | None, output: str | None) -> int:
    """Export stored figures in the template layout.

    Write stored figures in the import template's layout, so that the file can be edited and
    imported again. Text cells a spreadsheet would run as formulas are neutralised.
    """
    from ..db.services import get_service
    from ..exporting import ExportError, export_data
    from ..periods import parse_month

    db = open_database()
    try:
        first = parse_month(start) if start else None
        last = parse_month(end) if end else None
    except ValueError as exc:
        print(f"Nothing was exported: {exc} (write months as 2024-04)", file=sys.stderr)
        return 2
    unknown = [code for code in services if get_service(db, COMMAND_LINE, code) is None]
    if unknown:
        print(f"Nothing was exported: no service {', '.join(map(repr, unknown))}",
              file=sys.stderr)
        return 1
    try:
        content, name = export_data(db, COMMAND_LINE, layout, fmt,
                                    service_codes=list(services) or None, start=first,
                                    end=last, config=load_config())
    except ExportError as exc:
        print(f"Nothing was exported: {exc}", file=sys.stderr)
        return 1
    write_output(content, output, name, binary=fmt == "xlsx")
    return 0

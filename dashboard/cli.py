"""Offer Shelfmark's command line: database set-up, demo data, imports, exports, peer
benchmarking, targets and snapshots."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

from .db import Database
from .settings import SECRET_KEY_DEFAULT, SETTINGS, load_config


def _database() -> Database:
    return Database.from_config(load_config())


def cmd_init_db(args) -> int:
    db = _database()
    db.upgrade()
    print(f"Database ready: {db.display_url}")
    return 0


def cmd_refresh_coverage(args) -> int:
    from .db import COMMAND_LINE
    from .db.coverage import refresh_all

    db = _database()
    db.upgrade()
    started = time.perf_counter()
    rows = refresh_all(db, COMMAND_LINE)
    print(f"Coverage worked out again from the figures: {rows:,} rows "
          f"({time.perf_counter() - started:.1f} s).")
    return 0


def cmd_seed_demo(args) -> int:
    from . import demo
    from .db import COMMAND_LINE

    db = _database()
    db.upgrade()
    if demo.demo_is_seeded(db, COMMAND_LINE):
        if args.if_empty:
            print("Demo data already loaded; nothing to do.")
            return 0
        print("Demo data is already loaded. Use a fresh database to seed it again.",
              file=sys.stderr)
        return 1
    started = time.perf_counter()
    seed = getattr(args, "seed", None)
    seed = load_config()["DEMO_SEED"] if seed is None else seed
    batch = demo.seed_demo(db, COMMAND_LINE, seed=seed, n_services=args.services, end_fy=args.end_fy,
                           years=args.years)
    print(f"Seeded demo data (synthetic) as import batch {batch} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0


def _print_problems(problems, stream=sys.stderr, limit: int = 1000) -> None:
    for problem in problems[:limit]:
        print(f"  {'warning' if problem.severity == 'warning' else 'error'}: {problem}",
              file=stream)
    if len(problems) > limit:
        print(f"  … and {len(problems) - limit:,} more", file=stream)


def cmd_import(args) -> int:
    from .importing import ImportFailed
    from .db.imports import import_data
    from .importing.load import read_path
    from .db import COMMAND_LINE

    config = load_config()
    db = _database()
    db.upgrade()
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        print(f"\r  {stage:<10} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        data = read_path(db, COMMAND_LINE, config, args.file, fmt=args.format,
                         create_services=args.create_services, sheet=args.sheet)
        result = import_data(db, COMMAND_LINE, data, created_by=args.user,
                             create_services=args.create_services, dry_run=args.dry_run,
                             progress=None if args.quiet else progress)
    except ImportFailed as failed:
        print(f"\nNothing was imported: {len(failed.problems):,} problem(s) in {args.file}",
              file=sys.stderr)
        _print_problems(failed.problems)
        return 1
    if not args.quiet:
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
    if args.dry_run:
        print(f"Dry run, nothing written: {result.summary()} ({seconds:.1f} s).")
    elif result.batch_id is None:
        print(f"Nothing changed: {result.summary()} ({seconds:.1f} s).")
    else:
        print(f"Imported as batch {result.batch_id}: {result.summary()} ({seconds:.1f} s).")
    return 0


def cmd_imports(args) -> int:
    from .db.imports import list_batches
    from .db import COMMAND_LINE

    batches = list_batches(_database(), COMMAND_LINE)
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


def cmd_undo_import(args) -> int:
    from .importing import ImportFailed
    from .db.imports import undo_import
    from .db import COMMAND_LINE

    try:
        result = undo_import(_database(), COMMAND_LINE, args.batch)
    except ImportFailed as failed:
        print(f"Nothing was undone: {failed}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _write_output(content: bytes, output: str | None, default_name: str, binary: bool) -> None:
    """Write a file's bytes to OUTPUT, or to stdout for text when no OUTPUT is given."""
    if output and output != "-":
        with open(output, "wb") as handle:
            handle.write(content)
        print(f"Wrote {output} ({len(content):,} bytes).", file=sys.stderr)
        return
    if binary:
        with open(default_name, "wb") as handle:
            handle.write(content)
        print(f"Wrote {default_name} ({len(content):,} bytes).", file=sys.stderr)
        return
    sys.stdout.buffer.write(content)
    sys.stdout.flush()


def cmd_template(args) -> int:
    from .importing.template import (template_csv, template_filename, template_format,
                                     template_xlsx)

    output = getattr(args, "output", None)
    try:
        fmt = template_format(getattr(args, "format", None), output)
    except ValueError as exc:
        print(f"No template written: {exc}", file=sys.stderr)
        return 2
    maker = template_csv if fmt == "csv" else template_xlsx
    content = maker(args.layout, sector=args.sector)
    _write_output(content, output, template_filename(args.layout, fmt, args.sector),
                  binary=fmt == "xlsx")
    return 0


def cmd_export(args) -> int:
    from .exporting import ExportError, export_data
    from .periods import parse_month
    from .db import COMMAND_LINE
    from .db.services import get_service

    db = _database()
    try:
        start = parse_month(args.start) if args.start else None
        end = parse_month(args.end) if args.end else None
    except ValueError as exc:
        print(f"Nothing was exported: {exc} (write months as 2024-04)", file=sys.stderr)
        return 2
    unknown = [code for code in args.service or [] if get_service(db, COMMAND_LINE, code) is None]
    if unknown:
        print(f"Nothing was exported: no service {', '.join(map(repr, unknown))}",
              file=sys.stderr)
        return 1
    try:
        content, name = export_data(db, COMMAND_LINE, args.layout, args.format,
                                    service_codes=args.service, start=start, end=end,
                                    config=load_config())
    except ExportError as exc:
        print(f"Nothing was exported: {exc}", file=sys.stderr)
        return 1
    _write_output(content, args.output, name, binary=args.format == "xlsx")
    return 0


def parse_financial_year(text: str, fy_start: int) -> int:
    """Read a financial year given as 2016/17, 2016-17 or 2016 (the year it starts in)."""
    text = text.strip()
    match = re.fullmatch(r"(\d{4})(?:\s*[/-]\s*(\d{2}|\d{4}))?", text)
    if not match:
        raise ValueError(f"{text!r} is not a financial year: write 2016/17 or 2016")
    year = int(match.group(1))
    if match.group(2):
        end = int(match.group(2))
        if end % 100 != (year + 1) % 100:
            raise ValueError(f"{text!r} is not a financial year: the second year must follow "
                             "the first")
        if fy_start == 1:
            raise ValueError(f"this service's financial year is the calendar year: write {year}")
    return year


def cmd_benchmark(args) -> int:
    def fail(message: str, code: int = 2) -> int:
        print(f"No comparison: {message}", file=sys.stderr)
        return code

    from .importing.template import output_format

    try:  # a file named report.txt gets the table: only .csv, .json and .xlsx name a format
        args.format = output_format(args.format, args.output, ("csv", "json", "xlsx"), "table",
                                    other_names=True)
    except ValueError as exc:
        return fail(str(exc))
    if args.format == "xlsx" and (not args.output or args.output == "-"):
        return fail("a workbook cannot go to the terminal: give -o FILE.xlsx")
    db = _database()
    try:
        return _benchmark(db, args, fail)
    except OSError as exc:
        return fail(f"cannot write {args.output!r}: {exc.strerror or exc}")
    finally:
        db.dispose()


def _benchmark(db, args, fail) -> int:
    from . import peers
    from .benchmark_export import (benchmark_csv, benchmark_filename, benchmark_json,
                                   benchmark_text, benchmark_xlsx)
    from .benchmark_view import BenchmarkState, benchmark_report, build_benchmark
    from .catalogue import CATALOGUE
    from .periods import fy_label
    from .importing import close_codes, quoted_choices
    from .db import COMMAND_LINE
    from .db.services import get_service, list_services

    config = load_config()
    service = get_service(db, COMMAND_LINE, args.service)
    if service is None:
        codes = [s.code for s in list_services(db, COMMAND_LINE)]
        same = [c for c in codes if c.lower() == args.service.lower()]
        hint = same or close_codes(args.service, codes)
        return fail(f"there is no service {args.service!r}"
                    + (f"; did you mean {quoted_choices(hint)}?" if hint else ""), 1)
    metrics = getattr(args, "metric", None)
    if metrics:
        by_name = {m.name.lower(): m.code for m in CATALOGUE.all()}
        by_name.update({m.code.lower(): m.code for m in CATALOGUE.all()})
        resolved, unknown = [], []
        for given in metrics:  # a code, or a measure's name in any case
            code = by_name.get(given.strip().lower())
            (resolved if code else unknown).append(code or given)
        if unknown:
            hints = list(dict.fromkeys(by_name[h] for h in close_codes(
                unknown[0].strip().lower(), list(by_name), n=6)))[:3]
            hint = f"; did you mean {quoted_choices(hints)}?" if hints else ""
            noun = "measure" if len(unknown) == 1 else "measures"
            return fail(f"unknown {noun} {quoted_choices(unknown)}{hint} (python -m dashboard "
                        "catalogue lists them)")
        metrics = resolved
    if args.peer_group is not None:
        saved = peers.load_group(db, COMMAND_LINE, args.peer_group)
        if saved is None:
            names = ", ".join(g.name for g in peers.list_groups(db, COMMAND_LINE)) or "none yet"
            return fail(f"there is no saved peer group {args.peer_group!r} (saved: {names})", 1)
        definition = saved.definition
    elif args.neighbours is not None:
        try:
            # Nearest within the service's own national return: a US library is not an
            # English authority's neighbour, however close their populations.
            definition = peers.PeerDefinition(sector=peers.SAME,
                                              filters=(("source", (peers.SAME,)),),
                                              neighbours=args.neighbours,
                                              neighbour_source=args.neighbour_source)
        except ValueError as exc:
            return fail(str(exc))
    else:
        try:
            definition = peers.from_command_line(args.peers)
        except ValueError as exc:
            return fail(f"--peers: {exc}")
    fy_start = config.fy_start_for(service)
    fy = None
    period = getattr(args, "period", None)
    if period:
        try:
            fy = parse_financial_year(period, fy_start)
        except ValueError as exc:
            return fail(str(exc))
    state = BenchmarkState(service=service.code, fy=fy, peers=peers.to_query(definition),
                           per=args.per)
    view = build_benchmark(db, COMMAND_LINE, config, state, metrics=metrics, trend=False)
    if view.empty_message:
        return fail(view.empty_message, 1)
    if fy is not None and view.state.fy != fy:
        return fail(f"{service.name} has no complete figures for {fy_label(fy, fy_start)} "
                    f"(complete years: {', '.join(fy_label(y, fy_start) for y in view.years)})",
                    1)
    for message in view.messages:
        print(f"note: {message}", file=sys.stderr)
    if view.group is not None and not view.group.members:
        return fail(f"no service matches the peer group ({view.group.description})", 1)
    report = benchmark_report(view)
    if args.format == "json":
        content = (benchmark_json(report) + "\n").encode()
    elif args.format == "csv":
        content = benchmark_csv(report)
        if not args.output or args.output == "-":  # piped into cut or awk: no byte-order mark
            content = content.removeprefix("\ufeff".encode())
    elif args.format == "xlsx":
        content = benchmark_xlsx(report)
    else:
        content = benchmark_text(report).encode()
    _write_output(content, args.output,
                  benchmark_filename(service.code, view.period_label, "xlsx"),
                  binary=args.format == "xlsx")
    return 0


def _target_period(db, args, service_code: str):
    """Return the period a targets command names (--period or --from/--to), or raise."""
    from .periods import PeriodRange, financial_year_range, parse_month
    from .db import COMMAND_LINE
    from .db.services import get_service

    service = get_service(db, COMMAND_LINE, service_code)
    if service is None:
        raise LookupError(f"there is no service {service_code!r}")
    if args.period and (args.start or args.end):
        raise ValueError("give --period, or --from and --to, not both")
    if args.period:
        fy_start = load_config().fy_start_for(service)
        return financial_year_range(parse_financial_year(args.period, fy_start), fy_start)
    if args.start and args.end:
        return PeriodRange(parse_month(args.start), parse_month(args.end))
    raise ValueError("give --period 2024/25, or --from and --to months")


def cmd_targets(args) -> int:
    from .catalogue import CATALOGUE
    from .formatting import format_value
    from .db import COMMAND_LINE
    from .db.services import get_service
    from .targets import TargetError
    from .db.targets import delete_target, list_targets, set_target

    db = _database()
    try:
        if args.action == "list":
            if args.service and get_service(db, COMMAND_LINE, args.service) is None:
                print(f"No targets listed: there is no service {args.service!r}",
                      file=sys.stderr)
                return 1
            shown = list_targets(db, COMMAND_LINE, args.service)
            if not shown:
                print("No targets set.")
                return 0
            print(f"{'service':<12} {'period':<22} {'measure':<40} {'target':>14}  note")
            for t in shown:
                metric = CATALOGUE[t.metric] if t.metric in CATALOGUE else None
                when = f"{t.period.start:%b %Y} to {t.period.end:%b %Y}"
                name = metric.name if metric else t.metric
                value = format_value(t.value, metric) if metric else f"{t.value:g}"
                print(f"{t.service:<12} {when:<22} {name[:40]:<40} {value:>14}"
                      + (f"  {t.note}" if t.note else ""))
            return 0
        if not args.service or not args.metric:
            print("Give --service and --metric.", file=sys.stderr)
            return 2
        metric = args.metric
        if metric not in CATALOGUE:
            by_name = {m.name.lower(): m.code for m in CATALOGUE.all()}
            metric = by_name.get(metric.lower(), metric)
        try:
            period = _target_period(db, args, args.service)
        except LookupError as exc:
            print(f"No target changed: {exc}", file=sys.stderr)
            return 1
        if args.action == "set":
            if args.value is None:
                print("Give --value.", file=sys.stderr)
                return 2
            stored = set_target(db, COMMAND_LINE, args.service, metric, period, args.value,
                                note=args.note or "", created_by=args.user)
            print(f"Target set: {args.service} {CATALOGUE[metric].name} "
                  f"{period.start:%b %Y} to {period.end:%b %Y}: "
                  f"{format_value(stored.value, CATALOGUE[metric])}")
            return 0
        if delete_target(db, COMMAND_LINE, args.service, metric, period):
            print(f"Target removed: {args.service} {metric} {period.start:%b %Y} to "
                  f"{period.end:%b %Y}")
            return 0
        print("There was no such target.", file=sys.stderr)
        return 1
    except (TargetError, ValueError) as exc:
        print(f"No target changed: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


def cmd_snapshot(args) -> int:
    from pathlib import Path

    from .context import AppContext
    from .db import COMMAND_LINE
    from .snapshot.build import SnapshotError
    from .snapshot.make import address, check_format, check_service, make_snapshot

    def fail(message: str, code: int = 2) -> int:
        print(f"No snapshot written: {message}", file=sys.stderr)
        return code

    output = args.output
    try:
        fmt = args.format or (Path(output).suffix.lstrip(".").lower() if output else "")
        fmt = check_format(fmt)
    except SnapshotError:
        return fail("give --format (pdf, pptx, png, html, xlsx, csv or zip) or an -o file "
                    "name ending in one of them")
    if output and Path(output).suffix and Path(output).suffix.lstrip(".").lower() != fmt:
        return fail(f"--format {fmt} does not match the file name {output!r}")
    state = None
    if args.state:
        try:
            state = Path(args.state).read_bytes()[:200_000]
        except OSError as exc:
            return fail(f"cannot read {args.state!r}: {exc.strerror or exc}")
    try:
        page, query = address(args.url, state)
    except SnapshotError as exc:
        return fail(str(exc))
    config = load_config()
    db = Database.from_config(config)
    ctx = AppContext(db, config, None)
    started = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{stage[:50]:<50} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        check_service(ctx, COMMAND_LINE, query)
        made = make_snapshot(ctx, COMMAND_LINE, page, query, fmt, progress)
    except SnapshotError as exc:
        return fail(str(exc), 1)
    except Exception as exc:
        if type(exc).__name__ == "RenderError":
            return fail(str(exc), 1)
        raise
    finally:
        db.dispose()
    if not args.quiet and sys.stderr.isatty():
        print("", file=sys.stderr)
    target = output or made.filename
    try:
        Path(target).write_bytes(made.content)
    except OSError as exc:
        return fail(f"cannot write {target!r}: {exc.strerror or exc}")
    print(f"Wrote {target} ({len(made.content):,} bytes) in "
          f"{time.perf_counter() - started:.1f} s.", file=sys.stderr)
    return 0


def catalogue_markdown() -> str:
    """Render the metric catalogue as a Markdown reference (docs/metrics.md)."""
    from .catalogue import CATALOGUE

    names = CATALOGUE.names()
    lines = ["# Metric catalogue", "",
             "Generated by `python -m dashboard catalogue --markdown > docs/metrics.md`; a test "
             "fails when this file and the catalogue disagree.", ""]
    for category in ("staffing", "finance", "activity", "impact", "context"):
        lines += [f"## {category.title()}", "",
                  "| Code | Name | Unit | Over time | Higher is better | Sectors | Definition |",
                  "|---|---|---|---|---|---|---|"]
        for m in CATALOGUE.all():
            if m.category != category:
                continue
            unit = f"{m.unit} ({m.currency})" if m.currency else m.unit
            how = f"derived: {m.formula(names)}" if m.derived else m.aggregation
            better = {True: "yes", False: "no", None: "neither"}[m.higher_is_better]
            text = m.definition + ("" if m.derived else f" Source: {m.source}.")
            lines.append(f"| `{m.code}` | {m.name} | {unit} | {how} | {better} | "
                         f"{', '.join(m.sectors)} | {text} |")
        lines.append("")
    return "\n".join(lines)


def cmd_catalogue(args) -> int:
    if args.markdown:
        print(catalogue_markdown())
        return 0
    from .catalogue import CATALOGUE

    for m in CATALOGUE.all():
        kind = "derived" if m.derived else m.aggregation
        print(f"{m.code:<32} {m.category:<9} {m.unit:<9} {kind:<8} {m.name}")
    return 0


def cmd_settings(args) -> int:
    config = load_config()
    for setting in SETTINGS:
        shown = config[setting.name]
        if setting.name == "SECRET_KEY":
            shown = ("(the development default: set SECRET_KEY before serving real users)"
                     if shown == SECRET_KEY_DEFAULT else "(set; not shown)")
        print(f"{setting.name}={shown}\n    {setting.help}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Shelfmark: library activity and impact dashboard. DATABASE_URL selects the "
        "database (default: SQLite under data/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, **kwargs) -> argparse.ArgumentParser:
        return sub.add_parser(name, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                              **kwargs)

    p = add("init-db", help="create or upgrade the database schema (Alembic)",
                       description="Create the database if needed and apply every migration.")
    p.set_defaults(func=cmd_init_db)

    p = add("refresh-coverage", help="work out every service's coverage again from its figures",
            description="Recompute service_coverage (which measures each service reports, "
            "from which month to which, as the pages read it) from the stored figures. Imports, "
            "undos and the demo seeds keep it; run this after changing figures by hand in SQL.")
    p.set_defaults(func=cmd_refresh_coverage)

    p = add("seed-demo", help="load the synthetic NHS demo data",
                       description="Generate and load deterministic demo data: about 40 "
                       "fictional NHS library services, five financial years of monthly figures.")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing (and succeed) when demo data is already loaded")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS,
                   help="random seed (default: the DEMO_SEED setting)")
    p.add_argument("--services", type=int, default=40, help="number of services")
    p.add_argument("--end-fy", type=int, default=2024,
                   help="start year of the last financial year (2024 means 2024/25)")
    p.add_argument("--years", type=int, default=5, help="financial years")
    p.set_defaults(func=cmd_seed_demo)

    p = add("import", help="import figures from a CSV or XLSX file (or the ACE folder)",
            description="Validate a file and load it in one transaction as one import batch. "
            "Any error: nothing is written, and every problem is listed with its row, column "
            "and reason (exit status 1).")
    p.add_argument("file", help="CSV or XLSX file, a .gz of one, or the ACE data folder")
    p.add_argument("--format", default="auto", choices=("auto", "shelfmark", "imls-pls", "ace"),
                   help="file format; auto detects it from the columns")
    p.add_argument("--dry-run", action="store_true",
                   help="validate and count what would change, write nothing")
    p.add_argument("--create-services", action="store_true",
                   help="create services whose codes are not known yet")
    p.add_argument("--sheet", default=argparse.SUPPRESS,
                   help="XLSX sheet to read [default: the first data sheet]")
    p.add_argument("--user", default=os.environ.get("USER", "cli"),
                   help="who is importing, recorded with the batch")
    p.add_argument("--quiet", action="store_true", help="no progress indicator")
    p.set_defaults(func=cmd_import, sheet=None)

    p = add("imports", help="list import batches",
            description="List every import batch, newest first, with its counts.")
    p.set_defaults(func=cmd_imports)

    p = add("undo-import", help="undo an import batch",
            description="Remove exactly what a batch added and restore the values it "
            "replaced, in one transaction.")
    p.add_argument("batch", type=int, help="batch id (see `imports`)")
    p.set_defaults(func=cmd_undo_import)

    p = add("template", help="write the import template (CSV or XLSX)",
            description="Write the Shelfmark import template, generated from the metric "
            "catalogue. The format follows the -o file name (.csv or .xlsx) unless --format "
            "is given; they must agree. With no -o, CSV goes to standard output (XLSX, asked "
            "for with --format xlsx, to a file named after the template). Exit status 2: "
            "the format and the file name disagree.")
    p.add_argument("--layout", choices=("long", "wide"), default="long",
                   help="long: one row per figure; wide: one column per metric")
    p.add_argument("--format", choices=("csv", "xlsx"), default=argparse.SUPPRESS,
                   help="file format [default: from the -o file name; CSV without -o]")
    p.add_argument("--sector", choices=("nhs", "academic", "public", "other"), default=None,
                   help="only the metrics of one sector")
    p.add_argument("-o", "--output", default=argparse.SUPPRESS,
                   help="file to write, *.csv or *.xlsx [default: standard output]")
    p.set_defaults(func=cmd_template)  # --format and -o default to absent: see template_format

    p = add("export", help="export stored figures in the template layout",
            description="Write stored figures in the import template's layout, so that the "
            "file can be edited and imported again. Text cells a spreadsheet would run as "
            "formulas are neutralised.")
    p.add_argument("--service", action="append", default=None, metavar="CODE",
                   help="a service to export (repeat for more) [default: every service]")
    p.add_argument("--layout", choices=("long", "wide"), default="long", help="layout")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="file format")
    p.add_argument("--from", dest="start", default=None, metavar="YYYY-MM",
                   help="first month (periods starting from it)")
    p.add_argument("--to", dest="end", default=None, metavar="YYYY-MM",
                   help="last month (periods starting up to it)")
    p.add_argument("-o", "--output", default=None, help="file to write")
    p.set_defaults(func=cmd_export)

    p = add("benchmark", help="compare a service with its peers, as the Benchmark page does",
            description="Print where a service stands among a peer group on each measure: own "
            "value, peer median, quartiles (Excel's QUARTILE.INC), lowest and highest peer, "
            "percentile, rank, peers with data and peers in the group. The figures are the "
            "Benchmark page's; peer figures are withheld below BENCHMARK_MIN_PEERS. Exit "
            "status: 0 printed, 1 unknown service, group or year, 2 bad arguments.")
    p.add_argument("--service", required=True, default=argparse.SUPPRESS, metavar="CODE",
                   help="the service to compare")
    p.add_argument("--metric", action="append", default=argparse.SUPPRESS, metavar="CODE",
                   help="a measure (repeat for more) [default: the headline measures the "
                   "service reports, as in the page's league table]")
    p.add_argument("--period", default=argparse.SUPPRESS, metavar="YEAR",
                   help="financial year, 2016/17 or 2016 (the year it starts in) "
                   "[default: the latest complete year]")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--peers", default="sector=same,source=same,size=q5",
                       metavar="KEY=VALUE,...",
                       help="peers by attributes: sector, source, org_type, region, state, "
                       "locale, ... (`same` = as the service; alternatives joined by |), "
                       "size=q5 (same fifth by population) or size=1000..5000, nn=K, "
                       "manual=CODE|CODE; the page's link form (sector:=;size:q5) also works")
    group.add_argument("--peer-group", default=None, metavar="NAME",
                       help="a saved peer group")
    group.add_argument("--neighbours", type=int, default=None, metavar="K",
                       help="the K nearest services in the same sector and national return")
    p.add_argument("--neighbour-source", default="computed",
                   choices=("computed", "ace-nearest-neighbours"),
                   help="with --neighbours: nearest by population (computed) or ACE's lists")
    p.add_argument("--per", default="raw", choices=("raw", "population", "staff", "spend"),
                   help="normalise counts and money per 1,000 served, per staff FTE or per "
                   "1,000 spent")
    p.add_argument("--format", default=None, choices=("table", "csv", "json", "xlsx"),
                   help="output format (csv and xlsx have the page download's columns) "
                   "[default: from -o's suffix, else table]")
    p.add_argument("-o", "--output", default=None,
                   help="file to write [default: standard output; xlsx needs a file]")
    p.set_defaults(func=cmd_benchmark)

    p = add("targets", help="list, set or remove services' targets",
            description="Targets are shown on the executive view and in snapshots beside last "
            "year and the peer median, for a view whose period is exactly the target's. "
            "Exit status: 0 done, 1 unknown service or no such target, 2 bad arguments.")
    p.add_argument("action", choices=("list", "set", "delete"), help="what to do")
    p.add_argument("--service", default=None, metavar="CODE", help="the service")
    p.add_argument("--metric", default=None, metavar="CODE",
                   help="the measure: a code (see `catalogue`) or a measure's name")
    p.add_argument("--period", default=None, metavar="YEAR",
                   help="a financial year, 2024/25 or 2024 (the year it starts in)")
    p.add_argument("--from", dest="start", default=None, metavar="YYYY-MM",
                   help="first month (instead of --period)")
    p.add_argument("--to", dest="end", default=None, metavar="YYYY-MM",
                   help="last month (instead of --period)")
    p.add_argument("--value", type=float, default=None, help="the target (set)")
    p.add_argument("--note", default=None, help="a note kept with the target (set)")
    p.add_argument("--user", default=os.environ.get("USER", "cli"),
                   help="who sets the target, recorded with it")
    p.set_defaults(func=cmd_targets)

    p = add("snapshot", help="write a snapshot of a view (PDF, PowerPoint, PNG, HTML, ...)",
            description="Write the same file as a page's Download button: the view at a page "
            "address (as in the browser's address bar) or in a view.json file from a "
            "snapshot's ZIP bundle. The format follows -o's suffix unless --format says "
            "otherwise. Exit status: 0 written, 1 the view or file could not be made, 2 bad "
            "arguments.")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", default=None, metavar="ADDRESS",
                       help='the page address, e.g. "/finance?service=DEMO003&from=2024-04"')
    where.add_argument("--state", default=None, metavar="FILE.json",
                       help="a view.json file (from a snapshot's ZIP bundle)")
    p.add_argument("--format", default=None,
                   choices=("pdf", "pptx", "png", "html", "xlsx", "csv", "zip"),
                   help="file format [default: from -o's suffix]")
    p.add_argument("-o", "--output", default=None,
                   help="file to write [default: a name made from the view, in this folder]")
    p.add_argument("--quiet", action="store_true", help="no progress indicator")
    p.set_defaults(func=cmd_snapshot)

    p = add("catalogue", help="list the metric catalogue",
                       description="List every stored and derived metric.")
    p.add_argument("--markdown", action="store_true", help="print the Markdown reference")
    p.set_defaults(func=cmd_catalogue)

    p = add("settings", help="list every setting with its value and meaning",
                       description="List every setting, its current value (from the "
                       "environment or its default) and what it means.")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv=None) -> int:
    from .db import WriteBusy

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except WriteBusy as busy:  # another change held the write lock too long
        print(str(busy), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head or less, which stopped reading
        sys.stderr.close()
        return 0

"""Compare a service with its peers: the benchmark command.

Every import of the peer-benchmarking modules stays in this module.
"""

from __future__ import annotations

import sys

import click

from ..db import COMMAND_LINE
from ..settings import load_config
from .common import one_of, open_database, parse_financial_year, write_output


@click.command("benchmark")
@click.option("--service", required=True, metavar="CODE", help="The service to compare.")
@click.option("--metric", "metrics", multiple=True, metavar="CODE",
              show_default="the headline measures the service reports, as in the page's league "
              "table", help="A measure (repeat for more).")
@click.option("--period", default=None, metavar="YEAR",
              show_default="the latest complete year",
              help="Financial year, 2016/17 or 2016 (the year it starts in).")
@click.option("--peers", default="sector=same,source=same,size=q5", metavar="KEY=VALUE,...",
              help="Peers by attributes: sector, source, org_type, region, state, locale, ... "
              "(`same` = as the service; alternatives joined by |), size=q5 (same fifth by "
              "population) or size=1000..5000, nn=K, manual=CODE|CODE; the page's link form "
              "(sector:=;size:q5) also works. Not with --peer-group or --neighbours.")
@click.option("--peer-group", default=None, metavar="NAME", help="A saved peer group.")
@click.option("--neighbours", type=int, default=None, metavar="K",
              help="The K nearest services in the same sector and national return.")
@click.option("--neighbour-source", type=click.Choice(["computed", "ace-nearest-neighbours"]),
              default="computed",
              help="With --neighbours: nearest by population (computed) or ACE's lists.")
@click.option("--per", type=click.Choice(["raw", "population", "staff", "spend"]),
              default="raw",
              help="Normalise counts and money per 1,000 served, per staff FTE or per 1,000 "
              "spent.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]),
              default=None, show_default="from -o's suffix, else table",
              help="Output format (csv and xlsx have the page download's columns).")
@click.option("-o", "--output", default=None, metavar="FILE",
              show_default="standard output; xlsx needs a file",
              help="File to write.")
@click.pass_context
def benchmark(ctx: click.Context, service: str, metrics: tuple[str, ...], period: str | None,
              peers: str, peer_group: str | None, neighbours: int | None,
              neighbour_source: str, per: str, fmt: str | None, output: str | None) -> int:
    """Compare a service with its peers (the Benchmark page).

    Print where a service stands among a peer group on each measure: own value, peer median,
    quartiles (Excel's QUARTILE.INC), lowest and highest peer, percentile, rank, peers with
    data and peers in the group. The figures are the Benchmark page's; peer figures are
    withheld below BENCHMARK_MIN_PEERS. Exit status: 0 printed, 1 unknown service, group or
    year, 2 bad arguments.
    """
    from ..importing.template import output_format

    one_of(ctx, "peers", "peer_group", "neighbours")

    def fail(message: str, code: int = 2) -> int:
        print(f"No comparison: {message}", file=sys.stderr)
        return code

    try:  # a file named report.txt gets the table: only .csv, .json and .xlsx name a format
        fmt = output_format(fmt, output, ("csv", "json", "xlsx"), "table", other_names=True)
    except ValueError as exc:
        return fail(str(exc))
    if fmt == "xlsx" and (not output or output == "-"):
        return fail("a workbook cannot go to the terminal: give -o FILE.xlsx")
    db = open_database()
    try:
        return _benchmark(db, fail, service_code=service, metrics=list(metrics), period=period,
                          peers_text=peers, peer_group=peer_group, neighbours=neighbours,
                          neighbour_source=neighbour_source, per=per, fmt=fmt, output=output)
    except OSError as exc:
        return fail(f"cannot write {output!r}: {exc.strerror or exc}")
    finally:
        db.dispose()


def _benchmark(db, fail, *, service_code: str, metrics: list[str], period: str | None,
               peers_text: str, peer_group: str | None, neighbours: int | None,
               neighbour_source: str, per: str, fmt: str, output: str | None) -> int:
    from ..benchmarking.definition import SAME, PeerDefinition, from_command_line, to_query
    from ..benchmarking.export import (benchmark_csv, benchmark_filename, benchmark_json,
                                       benchmark_report, benchmark_text, benchmark_xlsx)
    from ..benchmarking.saved import list_groups, load_group
    from ..benchmarking.view import BenchmarkState, build_benchmark
    from ..catalogue import CATALOGUE
    from ..db.services import get_service, list_services
    from ..importing import close_codes, quoted_choices
    from ..periods import fy_label

    config = load_config()
    service = get_service(db, COMMAND_LINE, service_code)
    if service is None:
        codes = [s.code for s in list_services(db, COMMAND_LINE)]
        same = [c for c in codes if c.lower() == service_code.lower()]
        hint = same or close_codes(service_code, codes)
        return fail(f"there is no service {service_code!r}"
                    + (f"; did you mean {quoted_choices(hint)}?" if hint else ""), 1)
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
    if peer_group is not None:
        saved = load_group(db, COMMAND_LINE, peer_group)
        if saved is None:
            names = ", ".join(g.name for g in list_groups(db, COMMAND_LINE)) or "none yet"
            return fail(f"there is no saved peer group {peer_group!r} (saved: {names})", 1)
        definition = saved.definition
    elif neighbours is not None:
        try:
            # Nearest within the service's own national return: a US library is not an
            # English authority's neighbour, however close their populations.
            definition = PeerDefinition(sector=SAME, filters=(("source", (SAME,)),),
                                        neighbours=neighbours,
                                        neighbour_source=neighbour_source)
        except ValueError as exc:
            return fail(str(exc))
    else:
        try:
            definition = from_command_line(peers_text)
        except ValueError as exc:
            return fail(f"--peers: {exc}")
    fy_start = config.fy_start_for(service)
    fy = None
    if period:
        try:
            fy = parse_financial_year(period, fy_start)
        except ValueError as exc:
            return fail(str(exc))
    state = BenchmarkState(service=service.code, fy=fy, peers=to_query(definition),
                           per=per)
    view = build_benchmark(db, COMMAND_LINE, config, state, metrics=metrics or None,
                           trend=False)
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
    if fmt == "json":
        content = (benchmark_json(report) + "\n").encode()
    elif fmt == "csv":
        content = benchmark_csv(report)
        if not output or output == "-":  # piped into cut or awk: no byte-order mark
            content = content.removeprefix("\ufeff".encode())
    elif fmt == "xlsx":
        content = benchmark_xlsx(report)
    else:
        content = benchmark_text(report).encode()
    write_output(content, output, benchmark_filename(service.code, view.period_label, "xlsx"),
                 binary=fmt == "xlsx")
    return 0

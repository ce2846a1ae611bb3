"""List, set and remove services' targets: targets list, targets set, targets delete."""

from __future__ import annotations

import os
import sys

import click

from ..db import COMMAND_LINE
from ..settings import load_config
from .common import open_database, parse_financial_year


@click.group("targets")
def targets() -> None:
    """List, set or remove services' targets.

    Targets are shown on the executive view and in snapshots beside last year and the peer
    median, for a view whose period is exactly the target's. Exit status: 0 done, 1 unknown
    service or no such target, 2 bad arguments.
    """


@targets.command("list")
@click.option("--service", default=None, metavar="CODE", show_default="every service",
              help="The service.")
def list_targets(service: str | None) -> int:
    """List the targets set, of one service or of all."""
    from ..catalogue import CATALOGUE
    from ..db import targets as stored
    from ..db.services import get_service
    from ..formatting import format_value

    db = open_database()
    try:
        if service and get_service(db, COMMAND_LINE, service) is None:
            print(f"No targets listed: there is no service {service!r}", file=sys.stderr)
            return 1
        shown = stored.list_targets(db, COMMAND_LINE, service)
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
    finally:
        db.dispose()


def _which_target(command):
    """Add the options that name one target (service, measure and period) to a command."""
    for option in reversed([
        click.option("--service", required=True, metavar="CODE", help="The service."),
        click.option("--metric", required=True, metavar="CODE",
                     help="The measure: a code (see `catalogue`) or a measure's name."),
        click.option("--period", default=None, metavar="YEAR",
                     help="A financial year, 2024/25 or 2024 (the year it starts in)."),
        click.option("--from", "start", default=None, metavar="YYYY-MM",
                     help="First month (instead of --period)."),
        click.option("--to", "end", default=None, metavar="YYYY-MM",
                     help="Last month (instead of --period)."),
    ]):
        command = option(command)
    return command


def _target(db, service: str, metric: str, period: str | None, start: str | None,
            end: str | None):
    """Return the measure's code and the period a command names (--period, or --from and
    --to); raise LookupError for an unknown service, ValueError for a bad period."""
    from ..catalogue import CATALOGUE
    from ..db.services import get_service
    from ..periods import PeriodRange, financial_year_range, parse_month

    if metric not in CATALOGUE:
        by_name = {m.name.lower(): m.code for m in CATALOGUE.all()}
        metric = by_name.get(metric.lower(), metric)
    found = get_service(db, COMMAND_LINE, service)
    if found is None:
        raise LookupError(f"there is no service {service!r}")
    if period and (start or end):
        raise ValueError("give --period, or --from and --to, not both")
    if period:
        fy_start = load_config().fy_start_for(found)
        return metric, financial_year_range(parse_financial_year(period, fy_start), fy_start)
    if start and end:
        return metric, PeriodRange(parse_month(start), parse_month(end))
    raise ValueError("give --period 2024/25, or --from and --to months")


def _change_target(service: str, metric: str, period: str | None, start: str | None,
                   end: str | None, change):
    """Find the target the options name and make `change(db, metric code, period)`; return
    (metric code, period, what the change returned), or the exit status when no target could
    be changed (1: no such service or measure, 2: a bad value), the reason on stderr."""
    from ..targets import TargetError

    db = open_database()
    try:
        try:
            metric, when = _target(db, service, metric, period, start, end)
        except LookupError as exc:
            print(f"No target changed: {exc}", file=sys.stderr)
            return 1
        return metric, when, change(db, metric, when)
    except (TargetError, ValueError) as exc:
        print(f"No target changed: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()


@targets.command("set")
@_which_target
@click.option("--value", type=float, required=True, help="The target.")
@click.option("--note", default=None, help="A note kept with the target.")
@click.option("--user", metavar="NAME", default=lambda: os.environ.get("USER", "cli"),
              show_default="$USER, else cli", help="Who sets the target, recorded with it.")
def set_target(service: str, metric: str, period: str | None, start: str | None,
               end: str | None, value: float, note: str | None, user: str) -> int:
    """Set a service's target for a measure and period.

    A target set before for the same measure and period is replaced.
    """
    from ..catalogue import CATALOGUE
    from ..db import targets as stored
    from ..formatting import format_value

    found = _change_target(service, metric, period, start, end, lambda db, metric, when: (
        stored.set_target(db, COMMAND_LINE, service, metric, when, value, note=note or "",
                          created_by=user)))
    if isinstance(found, int):
        return found
    metric, when, saved = found
    print(f"Target set: {service} {CATALOGUE[metric].name} "
          f"{when.start:%b %Y} to {when.end:%b %Y}: "
          f"{format_value(saved.value, CATALOGUE[metric])}")
    return 0


@targets.command("delete")
@_which_target
def delete_target(service: str, metric: str, period: str | None, start: str | None,
                  end: str | None) -> int:
    """Remove a service's target for a measure and period."""
    from ..db import targets as stored

    found = _change_target(service, metric, period, start, end, lambda db, metric, when: (
        stored.delete_target(db, COMMAND_LINE, service, metric, when)))
    if isinstance(found, int):
        return found
    metric, when, removed = found
    if removed:
        print(f"Target removed: {service} {metric} {when.start:%b %Y} to {when.end:%b %Y}")
        return 0
    print("There was no such target.", file=sys.stderr)
    return 1

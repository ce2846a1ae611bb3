"""Share what several commands need: the database, writing a file or standard output, reading a
financial year, and refusing options that exclude each other."""

from __future__ import annotations

import re
import sys

import click
from click.core import ParameterSource

from ..db import Database
from ..settings import load_config


def open_database() -> Database:
    """Open the database DATABASE_URL names (default: SQLite under data/)."""
    return Database.from_config(load_config())


def write_output(content: bytes, output: str | None, default_name: str, binary: bool) -> None:
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


def one_of(ctx: click.Context, *names: str, required: bool = False) -> None:
    """Refuse, as a usage error (status 2), more than one of these options on the command
    line, or none of them when one is required."""
    flags = {param.name: max(param.opts, key=len) for param in ctx.command.params}
    given = [flags[name] for name in names
             if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT]
    if len(given) > 1:
        raise click.UsageError(f"{_listed(given, 'and')} cannot be given together: give one.",
                               ctx)
    if required and not given:
        raise click.UsageError(f"Give {_listed([flags[name] for name in names], 'or')}.", ctx)


def _listed(words: list[str], conjunction: str) -> str:
    return ", ".join(words[:-1]) + f" {conjunction} {words[-1]}"

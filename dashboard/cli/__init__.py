"""Offer Shelfmark's command line (python -m dashboard): the click group and main().

The commands live by subject, each a function beside its options: database.py (init-db,
refresh-coverage, seed-demo), imports.py (template, import, imports, undo-import, export),
benchmarking.py (benchmark), targets.py (targets list, set, delete), snapshots.py (snapshot)
and reference.py (catalogue, settings). A command returns its exit status: 0 done, 1 could not
be done, 2 bad arguments (click's usage errors exit with 2 as well). Every command acts as the
viewer COMMAND_LINE.
"""

from __future__ import annotations

import sys

import click

from ..db import WriteBusy
from . import benchmarking, database, imports, reference, snapshots, targets

PROG = "python -m dashboard"


class CommandGroup(click.Group):
    """Shelfmark's commands, listed by subject; the one place a failure common to every
    command becomes its message and exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order added below, not alphabetical

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WriteBusy as busy:  # another change held the write lock too long
            print(str(busy), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:  # output piped into head or less, which stopped reading
            sys.stderr.close()
            return 0


@click.group(cls=CommandGroup,
             context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
def cli() -> None:
    """Shelfmark: library activity and impact dashboard. DATABASE_URL selects the database
    (default: SQLite under data/)."""


for command in (database.init_db, database.refresh_coverage, database.seed_demo,
                imports.import_figures, imports.list_imports, imports.undo_batch,
                imports.template, imports.export_figures, benchmarking.benchmark,
                targets.targets, snapshots.snapshot, reference.catalogue, reference.settings):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run one command (argv, default sys.argv[1:]) and return its exit status."""
    try:
        return cli.main(argv, prog_name=PROG, standalone_mode=False)
    except click.ClickException as exc:  # bad arguments (status 2), with the usage line
        exc.show()
        return exc.exit_code
    except click.Abort:  # interrupted while click itself was running
        return 130

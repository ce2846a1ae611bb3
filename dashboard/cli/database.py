"""Set up the database: init-db, refresh-coverage and seed-demo."""

from __future__ import annotations

import sys
import time

import click

from ..db import COMMAND_LINE
from ..settings import load_config
from .common import open_database


@click.command("init-db")
def init_db() -> int:
    """Create or upgrade the database schema (Alembic).

    Create the database if needed and apply every migration.
    """
    db = open_database()
    db.upgrade()
    print(f"Database ready: {db.display_url}")
    return 0


@click.command("refresh-coverage")
def refresh_coverage() -> int:
    """Work out services' coverage again from their figures.

    Recompute service_coverage (which measures each service reports, from which month to which,
    as the pages read it) from the stored figures. Imports, undos and the demo seeds keep it;
    run this after changing figures by hand in SQL.
    """
    from ..db.coverage import refresh_all

    db = open_database()
    db.upgrade()
    started = time.perf_counter()
    rows = refresh_all(db, COMMAND_LINE)
    print(f"Coverage worked out again from the figures: {rows:,} rows "
          f"({time.perf_counter() - started:.1f} s).")
    return 0


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) when demo data is already loaded.")
@click.option("--seed", type=int, default=None, show_default="the DEMO_SEED setting",
              help="Random seed.")
@click.option("--services", default=40, help="Number of services.")
@click.option("--end-fy", default=2024,
              help="Start year of the last financial year (2024 means 2024/25).")
@click.option("--years", default=5, help="Financial years.")
def seed_demo(if_empty: bool, seed: int | None, services: int, end_fy: int, years: int) -> int:
    """Load the synthetic NHS demo data.

    Generate and load deterministic demo data: about 40 fictional NHS library services, five
    financial years of monthly figures.
    """
    from .. import demo

    db = open_database()
    db.upgrade()
    if demo.demo_is_seeded(db, COMMAND_LINE):
        if if_empty:
            print("Demo data already loaded; nothing to do.")
            return 0
        print("Demo data is already loaded. Use a fresh database to seed it again.",
              file=sys.stderr)
        return 1
    started = time.perf_counter()
    seed = load_config()["DEMO_SEED"] if seed is None else seed
    batch = demo.seed_demo(db, COMMAND_LINE, seed=seed, n_services=services, end_fy=end_fy,
                           years=years)
    print(f"Seeded demo data (synthetic) as import batch {batch} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0

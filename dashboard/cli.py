"""Offer Shelfmark's command line: init-db, seed-demo and bench."""

from __future__ import annotations

import argparse
import sys
import time

from .db import Database
from .settings import SETTINGS, load_config


def _database() -> Database:
    config = load_config()
    return Database(config["DATABASE_URL"])


def cmd_init_db(args) -> int:
    db = _database()
    db.upgrade()
    print(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_seed_demo(args) -> int:
    from . import demo

    db = _database()
    db.upgrade()
    if demo.demo_is_seeded(db):
        if args.if_empty:
            print("Demo data already loaded; nothing to do.")
            return 0
        print("Demo data is already loaded. Use a fresh database to seed it again.",
              file=sys.stderr)
        return 1
    started = time.perf_counter()
    seed = args.seed if args.seed is not None else load_config()["DEMO_SEED"]
    batch = demo.seed_demo(db, seed=seed, n_services=args.services, end_fy=args.end_fy,
                           years=args.years)
    print(f"Seeded demo data (synthetic) as import batch {batch} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0


def cmd_bench(args) -> int:
    from . import bench

    return bench.main(args)


def cmd_settings(args) -> int:
    config = load_config()
    for setting in SETTINGS:
        shown = "(set)" if setting.name == "SECRET_KEY" else config[setting.name]
        print(f"{setting.name}={shown}\n    {setting.help}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Shelfmark: library activity and impact dashboard. DATABASE_URL selects the "
        "database (default: SQLite under data/).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init-db", help="create or upgrade the database schema (Alembic)",
                       description="Create the database if needed and apply every migration.")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("seed-demo", help="load the synthetic NHS demo data",
                       description="Generate and load deterministic demo data: about 40 "
                       "fictional NHS library services, five financial years of monthly figures.")
    p.add_argument("--if-empty", action="store_true",
                   help="do nothing (and succeed) when demo data is already loaded")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: DEMO_SEED)")
    p.add_argument("--services", type=int, default=40, help="number of services (default 40)")
    p.add_argument("--end-fy", type=int, default=2024,
                   help="start year of the last financial year (default 2024, i.e. 2024/25)")
    p.add_argument("--years", type=int, default=5, help="financial years (default 5)")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("bench", help="benchmark page callbacks at 50k and 5M observations",
                       description="Build national-scale databases and time every page's "
                       "callback against the bare SQL aggregate; report p50/p95 and peak RSS.")
    p.add_argument("--services", type=int, default=1000, help="services in the large database")
    p.add_argument("--years", type=int, default=10, help="years in the large database")
    p.add_argument("--repeat", type=int, default=30, help="calls per measurement")
    p.add_argument("--database-url", default=None,
                   help="run against this database URL instead of a fresh SQLite file")
    p.add_argument("--workdir", default=None, help="where to keep the benchmark databases")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("settings", help="list every setting with its value and meaning")
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130

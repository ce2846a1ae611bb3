"""The README documents every setting, docs/metrics.md matches the catalogue, the CLI works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.cli.reference import catalogue_markdown
from dashboard.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name
        assert setting.name in example, setting.name


def test_metric_reference_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text().strip() == catalogue_markdown().strip()


@pytest.mark.parametrize("command, usage, options", [
    ("init-db", "init-db [OPTIONS]", []),
    ("refresh-coverage", "refresh-coverage [OPTIONS]", []),
    ("seed-demo", "seed-demo [OPTIONS]", ["--if-empty", "--seed", "--services", "--end-fy",
                                          "--years"]),
    ("catalogue", "catalogue [OPTIONS]", ["--markdown"]),
    ("settings", "settings [OPTIONS]", []),
    ("benchmark", "benchmark [OPTIONS]", ["--service", "--metric", "--period", "--peers",
                                          "--peer-group", "--neighbours", "--neighbour-source",
                                          "--per", "--format", "-o, --output"]),
    ("targets", "targets [OPTIONS] COMMAND", ["list", "set", "delete"]),
    ("targets list", "targets list [OPTIONS]", ["--service"]),
    ("targets set", "targets set [OPTIONS]", ["--service", "--metric", "--period", "--from",
                                              "--to", "--value", "--note", "--user"]),
    ("targets delete", "targets delete [OPTIONS]", ["--service", "--metric", "--period",
                                                    "--from", "--to"]),
    ("snapshot", "snapshot [OPTIONS]", ["--url", "--state", "--format", "-o, --output",
                                        "--quiet"]),
    ("import", "import [OPTIONS] FILE", ["--format", "--dry-run", "--create-services", "--sheet",
                                         "--user", "--quiet"]),
    ("imports", "imports [OPTIONS]", []),
    ("undo-import", "undo-import [OPTIONS] BATCH", []),
    ("template", "template [OPTIONS]", ["--layout", "--format", "--sector", "-o, --output"]),
    ("export", "export [OPTIONS]", ["--service", "--layout", "--format", "--from", "--to",
                                    "-o, --output"]),
])
def test_subcommand_help(command, usage, options, capsys):
    assert main([*command.split(), "--help"]) == 0
    out = capsys.readouterr().out
    assert f"usage: python -m dashboard {usage}".lower() in out.lower()
    for option in options:  # each listed at the start of a line of the help
        assert re.search(rf"^  {re.escape(option)}\b", out, re.MULTILINE), option


@pytest.mark.parametrize("args, message", [
    (["snapshot", "--url", "/finance", "--state", "view.json"],
     "--url and --state cannot be given together"),
    (["snapshot", "--format", "csv"], "Give --url or --state"),
    (["benchmark", "--service", "DEMO001", "--peers", "sector=same", "--neighbours", "5"],
     "--peers and --neighbours cannot be given together"),
    (["benchmark", "--period", "2024"], "Missing option '--service'"),
    (["targets", "set", "--service", "DEMO001", "--metric", "searches"],
     "Missing option '--value'"),
    (["seed-demo", "--services", "many"], "'many' is not a valid integer"),
])
def test_bad_arguments_exit_2_with_a_reason(args, message, capsys):
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and message in err and "Usage: python -m dashboard" in err


def run_cli(*args, database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_init_db_and_seed_demo(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    first = run_cli("init-db", database_url=url)
    assert first.returncode == 0 and "Database ready" in first.stdout
    again = run_cli("init-db", database_url=url)
    assert again.returncode == 0  # migrations are idempotent
    seeded = run_cli("seed-demo", "--services", "3", database_url=url)
    assert seeded.returncode == 0, seeded.stderr
    assert "Seeded demo data (synthetic)" in seeded.stdout
    twice = run_cli("seed-demo", database_url=url)
    assert twice.returncode == 1 and "already loaded" in twice.stderr
    quiet = run_cli("seed-demo", "--if-empty", database_url=url)
    assert quiet.returncode == 0 and "nothing to do" in quiet.stdout


def test_refresh_coverage_mends_figures_written_by_hand(tmp_path):
    from dashboard.db import Database

    url = f"sqlite:///{tmp_path}/cli.db"
    assert run_cli("seed-demo", "--services", "2", "--years", "1", database_url=url).returncode == 0
    db = Database(url)
    with db.engine.begin() as conn:  # by hand, behind the app's back: coverage goes stale
        conn.exec_driver_sql("DELETE FROM observation WHERE period_start >= '2025-01-01'")
        stale = conn.exec_driver_sql("SELECT MAX(last_start) FROM service_coverage").scalar()
    assert stale >= "2025-01-01"
    mended = run_cli("refresh-coverage", database_url=url)
    assert mended.returncode == 0 and "Coverage worked out again" in mended.stdout
    with db.engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT MAX(last_start) FROM service_coverage").scalar()
        figures = conn.exec_driver_sql(
            "SELECT MAX(period_start) FROM observation WHERE value IS NOT NULL").scalar()
    db.dispose()
    assert last == figures < "2025-01-01"

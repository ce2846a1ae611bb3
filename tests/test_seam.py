"""The data seam stays one place: no SQL, session or database driver outside dashboard/db/,
and every write there takes the acting viewer and goes through Database.writing."""

from __future__ import annotations

import ast
import inspect
import pkgutil
from pathlib import Path

import pytest

import dashboard.db

ROOT = Path(__file__).resolve().parent.parent
# The application: what serves pages, callbacks, downloads and commands. (bench/ measures the
# database itself and tests/ set up their data, so they are not part of it.)
APP_FILES = sorted([ROOT / "app.py", *(ROOT / "dashboard").rglob("*.py"),
                    *(ROOT / "layouts").rglob("*.py"), *(ROOT / "callbacks").rglob("*.py")])
SEAM = ROOT / "dashboard" / "db"
DRIVERS = {"sqlalchemy", "psycopg", "psycopg2", "sqlite3", "alembic"}
# Attributes through which SQL runs or a session or transaction is opened. (A page may hold
# one connection for its reads, Database.reading, but hands it back to the seam's functions.)
DATABASE_ATTRIBUTES = {"engine", "session", "write_session", "writing", "execute",
                       "executemany", "exec_driver_sql", "cursor", "scalar", "scalars"}


def seam_breaches(path: Path, root: Path = ROOT) -> list[str]:
    """Return where a file outside the seam imports a database library or runs SQL."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] if not node.level else []
        else:
            modules = []
        for module in modules:
            if module.split(".")[0] in DRIVERS:
                found.append(f"{path.relative_to(root)}:{node.lineno} imports {module}")
        if isinstance(node, ast.Attribute) and node.attr in DATABASE_ATTRIBUTES:
            found.append(f"{path.relative_to(root)}:{node.lineno} uses .{node.attr}")
    return found


def test_no_sql_or_session_outside_the_seam():
    outside = [p for p in APP_FILES if SEAM not in p.parents]
    assert len(outside) > 50  # the whole application is looked at
    breaches = [b for path in outside for b in seam_breaches(path)]
    assert breaches == []


def test_the_check_finds_sql_outside_the_seam(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy import text\n\n"
                      "def read(db):\n"
                      "    with db.engine.connect() as conn:\n"
                      "        return conn.execute(text('SELECT 1')).scalar()\n")
    found = seam_breaches(sample, tmp_path)
    assert sorted(found) == ["sample.py:1 imports sqlalchemy", "sample.py:4 uses .engine",
                             "sample.py:5 uses .execute", "sample.py:5 uses .scalar"]


def _seam_functions():
    for info in pkgutil.iter_modules(dashboard.db.__path__):
        module = __import__(f"dashboard.db.{info.name}", fromlist=["_"])
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{info.name}.{name}", function


def _writes(function) -> bool:
    """Whether a function opens a write transaction itself."""
    source = inspect.getsource(function)
    return "writing(" in source or "write_session(" in source


WRITES = sorted(name for name, function in _seam_functions() if _writes(function))


def test_the_writes_are_found():
    assert {"imports.import_data", "imports.undo_import", "targets.set_targets",
            "targets.delete_target", "seeding.write_source", "peers.store_peer_group",
            "peers.delete_peer_group", "coverage.refresh_all"} <= set(WRITES)


@pytest.mark.parametrize("name", WRITES)
def test_every_write_takes_the_acting_viewer(name):
    module, function = name.split(".")
    found = getattr(__import__(f"dashboard.db.{module}", fromlist=["_"]), function)
    assert "viewer" in inspect.signature(found).parameters
    assert "writing(viewer," in inspect.getsource(found) or \
        "write_session(viewer," in inspect.getsource(found)

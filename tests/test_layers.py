"""The layers stay apart: nothing in dashboard/ imports Dash, and the page layouts draw their
panels and tables from dashboard/ (panels, describe), not from the snapshot package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Presentation mode shows a snapshot itself, and the toolbar lists the snapshot formats.
SNAPSHOT_USERS = {"layouts/present.py", "layouts/toolbar.py"}
DASH = {"dash", "dash_bootstrap_components", "dash_ag_grid"}


def imported_modules(path: Path) -> set[str]:
    """Return the absolute names of the modules a file imports (relative ones resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            else:
                found.add(node.module or "")
    return found


def test_dashboard_has_no_dash_imports():
    files = sorted((ROOT / "dashboard").rglob("*.py"))
    assert len(files) > 50
    dash = {str(p.relative_to(ROOT)): m for p in files for m in imported_modules(p)
            if m.split(".")[0] in DASH}
    assert dash == {}


def test_layouts_take_panels_and_tables_from_dashboard_not_snapshots():
    files = sorted((ROOT / "layouts").rglob("*.py"))
    uses = {str(p.relative_to(ROOT)) for p in files
            if any(m == "dashboard.snapshot" or m.startswith("dashboard.snapshot.")
                   for m in imported_modules(p))}
    assert uses <= SNAPSHOT_USERS


def test_relative_imports_are_resolved():
    assert "dashboard.describe" in imported_modules(ROOT / "dashboard" / "snapshot" / "build.py")
    assert "dashboard.snapshot.model" in imported_modules(ROOT / "dashboard" / "panels.py")
    assert "layouts" in imported_modules(ROOT / "layouts" / "benchmark.py")  # from . import ids

"""`make run` sets a fresh machine up: Chromium for the chart downloads before the server starts.

Each test runs make in a copy of the files it reads (Makefile, scripts/, requirements), with a
virtualenv whose installs are up to date, and a PATH holding only the tools the recipe calls
and stand-ins for apt-get and gunicorn that write down how they were called. So no package is
installed and no server started, and the machine's own Chromium is out of sight: the copy is a
machine without a browser.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("bash", "env", "dirname", "make", "cat", "rm", "touch", "grep", "sed", "awk")
CHROMIUM_STEP = "PY=.venv/bin/python bash scripts/ensure-chromium.sh --app"


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path):
    """A copy of the project's make files, a stand-in apt-get and gunicorn; return its paths."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt"):
        shutil.copy2(ROOT / name, clone / name)
    shutil.copytree(ROOT / "scripts", clone / "scripts")
    (clone / "dashboard").symlink_to(ROOT / "dashboard")
    venv = clone / ".venv"
    (venv / "bin").mkdir(parents=True)
    _script(venv / "bin" / "python", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    log = tmp_path / "calls.log"
    _script(venv / "bin" / "gunicorn", f'#!/bin/sh\necho "gunicorn $*" >> "{log}"\n')
    for stamp in (".installed-runtime", ".installed-dev"):  # newer than the requirements
        (venv / stamp).touch()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run make here"
        (bin_dir / tool).symlink_to(found)
    # apt-get: writes down its arguments; "install" puts a chromium on the PATH, as the
    # Debian package does (or fails when APT_FAILS is set).
    _script(bin_dir / "apt-get", f"""#!/bin/sh
echo "apt-get $*" >> "{log}"
if [ "$1" = install ]; then
    [ -z "$APT_FAILS" ] || exit 100
    printf '#!/bin/sh\\necho Chromium 1.0\\n' > "{bin_dir}/chromium"
    "{shutil.which('chmod')}" +x "{bin_dir}/chromium"
fi
""")
    _script(bin_dir / "sudo", '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n')
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/shelfmark.db", "CACHE_TYPE": "NullCache"}
    return {"clone": clone, "bin": bin_dir, "log": log, "env": env}


def make(machine, *args, **extra_env) -> subprocess.CompletedProcess:
    return subprocess.run(["make", *args], cwd=machine["clone"],
                          env={**machine["env"], **extra_env},
                          capture_output=True, text=True, timeout=120,
                          executable=shutil.which("make"))


def calls(machine) -> list[str]:
    log = machine["log"]
    return log.read_text().splitlines() if log.exists() else []


def test_run_recipe_installs_chromium_before_the_server_starts(machine):
    result = make(machine, "-n", "run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == CHROMIUM_STEP, lines  # installs are up to date: the recipe comes first
    init = lines.index(".venv/bin/python -m dashboard init-db")
    assert lines[-1].startswith("exec .venv/bin/gunicorn app:server "), lines
    assert 0 < init < len(lines) - 1


def test_make_run_on_a_machine_without_chromium_installs_it_then_serves(machine):
    result = make(machine, "run", PORT="8123")
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls(machine) == [
        "apt-get update",
        "apt-get install -y chromium",
        "gunicorn app:server --workers 2 --worker-class gthread --threads 4 "
        "--no-control-socket --bind 127.0.0.1:8123",
    ]
    assert f"the app draws charts with {machine['bin']}/chromium" in result.stdout
    # The app itself finds the browser the step installed.
    found = subprocess.run(
        [sys.executable, "-c", "from dashboard.snapshot.charts import browser_path; "
                               "print(browser_path())"],
        cwd=ROOT, env=machine["env"], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == f"{machine['bin']}/chromium"


def test_make_run_with_chromium_present_installs_nothing(machine):
    fake = machine["bin"] / "chromium"
    _script(fake, "#!/bin/sh\necho Chromium 1.0\n")
    result = make(machine, "run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"the app draws charts with {fake}; nothing to do" in result.stdout
    assert [c.split()[0] for c in calls(machine)] == ["gunicorn"]


def test_make_run_stops_before_the_server_when_chromium_cannot_be_installed(machine):
    result = make(machine, "run", APT_FAILS="1")
    assert result.returncode != 0
    assert "apt-get install chromium failed" in result.stderr
    assert "BROWSER_PATH" in result.stderr  # the other way out is named
    assert calls(machine) == ["apt-get update", "apt-get install -y chromium"]
    assert "Shelfmark is running" not in result.stdout


def test_a_browser_path_that_is_not_there_is_refused_not_papered_over(machine):
    result = make(machine, "run", BROWSER_PATH="/nowhere/chrome")
    assert result.returncode != 0
    assert "BROWSER_PATH is set to /nowhere/chrome, which is not an executable" in result.stderr
    assert calls(machine) == []

"""Read Shelfmark's settings from the environment, each with a safe development default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_PATH = DATA_DIR / "shelfmark.db"
SECRET_KEY_DEFAULT = "dev-only-not-secret"


@dataclass(frozen=True)
class Setting:
    """One documented setting: its environment name, default and meaning."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


def _month(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 12:
        raise ValueError(f"a month number must be 1 to 12, got {value}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{DEFAULT_SQLITE_PATH}",
        "SQLAlchemy URL of the database. Default: an SQLite file under data/. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    ),
    Setting(
        "SECRET_KEY",
        SECRET_KEY_DEFAULT,
        "Flask secret key. Set a long random value in production; never commit it.",
    ),
    Setting(
        "CACHE_TYPE",
        "FileSystemCache",
        "flask-caching backend shared by all workers: FileSystemCache (default), "
        "RedisCache (with CACHE_REDIS_URL) or NullCache to switch caching off.",
    ),
    Setting(
        "CACHE_REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "Redis URL used when CACHE_TYPE=RedisCache.",
    ),
    Setting(
        "CACHE_DIR",
        str(DATA_DIR / "cache"),
        "Folder used when CACHE_TYPE=FileSystemCache.",
    ),
    Setting(
        "CACHE_TIMEOUT",
        600,
        "Seconds a cached query result is kept (results are also keyed by data version, "
        "so an import never shows stale figures).",
        int,
    ),
    Setting(
        "FY_START_NHS", 4, "First month of the NHS financial year (4 = April).", _month
    ),
    Setting(
        "FY_START_ACADEMIC",
        8,
        "First month of the academic financial year (8 = August).",
        _month,
    ),
    Setting(
        "FY_START_PUBLIC",
        7,
        "First month of the public-library fiscal year (7 = July, as most US states).",
        _month,
    ),
    Setting(
        "FY_START_OTHER", 4, "First month of the financial year for other sectors.", _month
    ),
    Setting(
        "DEMO_SEED", 20240401, "Seed of the deterministic demo-data generator.", int
    ),
    Setting(
        "IMPORT_MAX_MB", 50, "Largest file accepted for import, in megabytes.", int
    ),
    Setting(
        "BENCHMARK_MIN_PEERS",
        5,
        "Fewest peers with data for a peer comparison to be shown; below it the figure is "
        "withheld.",
        int,
    ),
    Setting(
        "ORGANISATION_NAME",
        "",
        "Optional organisation name shown in the header and on every snapshot (PDF, slides, "
        "images, HTML).",
    ),
    Setting(
        "ORGANISATION_LOGO",
        "",
        "Optional path to the organisation's logo (PNG or JPEG, at most 2 MB), shown in the "
        "header and on every snapshot. A relative path is read from the project folder.",
    ),
    Setting(
        "PUBLIC_URL",
        "",
        "The address people use to reach Shelfmark (e.g. https://shelfmark.example.nhs.uk), "
        "for the links in downloads that re-open a view. Empty: the address of the request "
        "that made the file; from the command line the links stay relative.",
    ),
    Setting(
        "WRITE_WAIT_SECONDS",
        60,
        "How long a change to the stored figures (an import, an undo, a target, the demo data) "
        "waits for another change in progress to finish before it is refused with a plain "
        "'try again' (changes are made one at a time, so none is lost).",
        int,
    ),
    Setting("HOST", "127.0.0.1", "Address `make run` binds to."),
    Setting("PORT", 8050, "Port `make run` listens on.", int),
    Setting(
        "SQL_ECHO", False, "Log every SQL statement (debugging only).", _bool
    ),
)


@dataclass(frozen=True)
class Config:
    """Resolved settings for one app instance."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def fy_start_month(self, sector: str | None) -> int:
        """Return the first month of the financial year used for a sector."""
        key = {
            "nhs": "FY_START_NHS",
            "academic": "FY_START_ACADEMIC",
            "public": "FY_START_PUBLIC",
        }.get((sector or "").lower(), "FY_START_OTHER")
        return int(self.values[key])

    def fy_start_for(self, service) -> int:
        """Return the first month of a service's financial year.

        A service's own `fy_start_month` attribute (set by the adapter of a return whose year
        differs from its sector's, such as English public libraries' April year) wins over the
        sector setting.
        """
        own = (getattr(service, "attributes", None) or {}).get("fy_start_month")
        if isinstance(own, int) and not isinstance(own, bool) and 1 <= own <= 12:
            return own
        return self.fy_start_month(getattr(service, "sector", None))


def load_config(overrides: dict[str, Any] | None = None, environ=None) -> Config:
    """Build a Config from defaults, then the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        if raw is None or raw == "":
            values[setting.name] = setting.default
        else:
            try:
                values[setting.name] = setting.parse(raw)
            except ValueError as exc:
                raise ValueError(f"Setting {setting.name}={raw!r} is invalid: {exc}") from exc
    for key, value in (overrides or {}).items():
        values[key] = value
    return Config(values)


LOGO_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
LOGO_MAX_BYTES = 2 * 1024 * 1024


def logo_path(config: Config) -> Path | None:
    """Return the organisation logo's file if the setting names a usable one, else None.

    The file must exist, be a PNG or JPEG by name and by content, and be at most 2 MB; anything
    else is ignored (and logged), so a bad setting never breaks a page or a download.
    """
    import logging

    raw = str(config.get("ORGANISATION_LOGO") or "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    log = logging.getLogger("shelfmark")
    try:
        if path.suffix.lower() not in LOGO_SUFFIXES or not path.is_file() or \
                path.stat().st_size > LOGO_MAX_BYTES:
            raise ValueError("not a PNG or JPEG file of at most 2 MB")
        head = path.read_bytes()[:8]
        if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
            raise ValueError("the file's content is not PNG or JPEG")
    except (OSError, ValueError) as exc:
        log.warning("ORGANISATION_LOGO=%s is ignored: %s", raw, exc)
        return None
    return path

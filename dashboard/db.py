"""Own the database connection: engine, sessions, migrations and catalogue sync."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from .catalogue import CATALOGUE, Catalogue
from .coverage import track_orm_writes
from .models import Metric
from .settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets its folder created and safe pragmas set."""
    parsed = make_url(url)
    kwargs: dict = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """One database: hands out short-lived sessions and runs migrations."""

    def __init__(self, url: str, echo: bool = False, catalogue: Catalogue = CATALOGUE):
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self.catalogue = catalogue
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        track_orm_writes(self._sessions)  # figures written through the ORM keep coverage

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def alembic_config(self):
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration, then sync the catalogue."""
        from alembic import command

        with self.engine.begin() as connection:
            config = self.alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        self.sync_catalogue()

    def is_initialised(self) -> bool:
        return inspect(self.engine).has_table("observation")

    def sync_catalogue(self) -> None:
        """Insert or update the stored metrics of the catalogue (derived ones are never stored)."""
        with self.session() as session:
            existing = {m.code: m for m in session.scalars(select(Metric))}
            for spec in self.catalogue.stored:
                row = existing.get(spec.code) or Metric(code=spec.code)
                row.name = spec.name
                row.category = spec.category
                row.unit = spec.unit
                row.aggregation = spec.aggregation
                row.higher_is_better = spec.higher_is_better
                row.definition = spec.definition
                row.source = spec.source
                row.currency = spec.currency
                row.sectors = ",".join(spec.sectors)
                session.add(row)

    def dispose(self) -> None:
        self.engine.dispose()

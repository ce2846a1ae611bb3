"""Own the database connection: engine, sessions, write transactions, migrations and the
catalogue's rows.

Writes are made one at a time (`Database.writing`): on PostgreSQL a transaction-scoped
advisory lock, on SQLite a transaction begun IMMEDIATE (SQLite's write lock, taken at the
start). A second writer waits up to WRITE_WAIT_SECONDS for the first, then sees what it
committed; past that it is refused with WriteBusy, a plain "try again". Reads never wait.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..catalogue import CATALOGUE, Catalogue
from ..settings import PROJECT_ROOT
from .access import Viewer, check
from .coverage import track_orm_writes
from .models import Metric

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


WRITE_LOCK_KEY = 0x5348454C  # "SHEL": the advisory lock every PostgreSQL write takes
WRITE_OPTION = "shelfmark_write"  # execution option: this transaction writes
BUSY_MESSAGE = ("Another change to the stored figures (an import, an undo, a target or the "
                "demo data) is still being saved. Nothing was changed: try again in a minute.")


class WriteBusy(RuntimeError):
    """Another write held the lock for longer than this one would wait; nothing was written."""

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message)


def _sqlite_pragmas(dbapi_connection, _record):
    # SQLAlchemy's pysqlite recipe: the driver emits no BEGIN of its own; _sqlite_begin does,
    # IMMEDIATE for writes, so that a writer takes SQLite's write lock before it reads.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, echo: bool = False, write_wait: float = 60) -> Engine:
    """Create an engine; SQLite gets its folder created and safe pragmas set."""
    parsed = make_url(url)
    kwargs: dict = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # timeout: how long SQLite's busy handler waits for another writer's lock.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": float(write_wait)}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """One database: hands out short-lived sessions and runs migrations."""

    def __init__(self, url: str, echo: bool = False, catalogue: Catalogue = CATALOGUE,
                 write_wait: float = 60):
        self.url = url
        self.write_wait = float(write_wait)
        self.engine = make_engine(url, echo=echo, write_wait=write_wait)
        self.catalogue = catalogue
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        track_orm_writes(self._sessions)  # figures written through the ORM keep coverage

    @classmethod
    def from_config(cls, config) -> "Database":
        """Open the database the settings name (DATABASE_URL, SQL_ECHO, WRITE_WAIT_SECONDS)."""
        return cls(config["DATABASE_URL"], echo=bool(config["SQL_ECHO"]),
                   write_wait=float(config["WRITE_WAIT_SECONDS"]))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The database's address with any password hidden, to print."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Yield one connection for several reads (a page's statements share it)."""
        with self.engine.connect() as conn:
            yield conn

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

    @contextmanager
    def writing(self, viewer: Viewer, change: str) -> Iterator[Connection]:
        """Yield a connection in a write transaction, made one at a time; commit on success.

        The viewer must be allowed the change (access.check). The lock is taken before
        anything is read, so what the transaction reads is what the last writer committed.
        Raise WriteBusy when another writer holds the lock longer than write_wait seconds.
        """
        check(viewer, change)
        engine = self.engine.execution_options(**{WRITE_OPTION: True})
        try:
            with engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(
                        f"SET LOCAL lock_timeout = '{int(self.write_wait * 1000)}ms'")
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
                    conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
                yield conn
        except OperationalError as exc:
            if _lock_refused(exc):
                raise WriteBusy() from exc
            raise

    @contextmanager
    def write_session(self, viewer: Viewer, change: str) -> Iterator[Session]:
        """Yield an ORM session inside `writing`: one transaction, committed at the end."""
        with self.writing(viewer, change) as conn:
            # Bound to the connection: the session joins its transaction, which `writing`
            # commits (or rolls back) as a whole.
            session = self._sessions(bind=conn)
            try:
                yield session
                session.flush()
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
        """Insert or update the stored metrics of the catalogue (derived ones are never stored);
        a write only when a stored row differs from the catalogue."""
        from .access import COMMAND_LINE

        wanted = {spec.code: {
            "name": spec.name, "category": spec.category, "unit": spec.unit,
            "aggregation": spec.aggregation, "higher_is_better": spec.higher_is_better,
            "definition": spec.definition, "source": spec.source, "currency": spec.currency,
            "sectors": ",".join(spec.sectors)} for spec in self.catalogue.stored}

        def stale(rows) -> list[str]:
            stored = {m.code: m for m in rows}
            return [code for code, values in wanted.items() if code not in stored or any(
                getattr(stored[code], key) != value for key, value in values.items())]

        with self.session() as session:
            if not stale(session.scalars(select(Metric))):
                return
        with self.write_session(COMMAND_LINE, "init-db") as session:
            existing = {m.code: m for m in session.scalars(select(Metric))}
            for code in stale(existing.values()):
                row = existing.get(code) or Metric(code=code)
                for key, value in wanted[code].items():
                    setattr(row, key, value)
                session.add(row)

    def dispose(self) -> None:
        self.engine.dispose()


def _lock_refused(exc: OperationalError) -> bool:
    """Whether a database error says a lock was not granted in time (SQLite: "database is
    locked"; PostgreSQL: lock_timeout, SQLSTATE 55P03)."""
    original = exc.orig
    return getattr(original, "sqlstate", None) == "55P03" or "database is locked" in str(original)

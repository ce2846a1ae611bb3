"""The shared view cache: hits across app instances, and new figures are never hidden by it."""

from __future__ import annotations

import socket
import uuid

import pytest
from flask import Flask
from flask_caching import Cache

from dashboard.context import AppContext
from dashboard.db.models import ImportBatch
from dashboard.settings import load_config


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def make_cache(kind: str, tmp_path, prefix: str) -> Cache:
    config = {"CACHE_TYPE": kind, "CACHE_DEFAULT_TIMEOUT": 60}
    if kind == "FileSystemCache":
        config["CACHE_DIR"] = str(tmp_path / "cache")
    if kind == "RedisCache":
        config["CACHE_REDIS_URL"] = "redis://127.0.0.1:6379/15"
        config["CACHE_KEY_PREFIX"] = f"shelfmark-test-{prefix}:"
    return Cache(Flask(__name__), config=config)


@pytest.mark.parametrize("kind", ["FileSystemCache", "RedisCache"])
def test_cache_is_shared_and_keyed_by_data_version(kind, tmp_path, sqlite_db):
    if kind == "RedisCache" and not redis_available():
        pytest.skip("no Redis server on 127.0.0.1:6379")
    config = load_config(environ={})
    # Two contexts with separate cache clients on one store stand for two gunicorn workers.
    prefix = uuid.uuid4().hex  # runs must not see each other's entries
    first = AppContext(sqlite_db, config, make_cache(kind, tmp_path, prefix))
    second = AppContext(sqlite_db, config, make_cache(kind, tmp_path, prefix))
    calls = []

    def compute():
        calls.append(1)
        return {"figure": len(calls)}

    assert first.cached(("view", "a"), compute) == {"figure": 1}
    assert second.cached(("view", "a"), compute) == {"figure": 1}  # served by the shared store
    assert len(calls) == 1
    with sqlite_db.session() as session:  # an import changes the data version
        session.add(ImportBatch(created_by="tests", kind="test", rows_added=3))
    assert second.cached(("view", "a"), compute) == {"figure": 2}
    assert len(calls) == 2


def test_broken_cache_falls_back_to_computing(sqlite_db):
    class Broken:
        def get(self, key):
            raise ConnectionError("cache down")

        def set(self, key, value):
            raise ConnectionError("cache down")

    context = AppContext(sqlite_db, load_config(environ={}), Broken())
    assert context.cached(("x",), lambda: 42) == 42

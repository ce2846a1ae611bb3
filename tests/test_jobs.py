"""Background jobs: progress, results, failures and stale jobs, through the shared cache."""

from __future__ import annotations

import time

import pytest
from cachelib import FileSystemCache

from dashboard import jobs
from dashboard.jobs import JobError, JobStore, valid_token


@pytest.fixture(params=["local", "filesystem"])
def store(request, tmp_path):
    if request.param == "local":
        return JobStore(None, prefix=f"t{time.time_ns()}:")
    return JobStore(FileSystemCache(str(tmp_path / "cache")))


def wait_for(store, job_id, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        state = store.get(job_id)
        if state["state"] != "running":
            return state
        time.sleep(0.02)
    raise AssertionError("job did not finish")


def test_job_reports_progress_and_result(store):
    def work(progress):
        progress("reading", 0.5)
        return {"rows": 3}

    job_id = store.start("check", work, wait=False)
    state = wait_for(store, job_id)
    assert state["state"] == "done"
    assert state["result"] == {"rows": 3}
    assert state["fraction"] == 1.0
    assert state["kind"] == "check"


def test_job_failure_keeps_the_message_and_details(store):
    def work(progress):
        raise JobError("Nothing was imported: 2 problems", {"problems": [{"row": 2}]})

    state = wait_for(store, store.start("check", work))
    assert state["state"] == "failed"
    assert state["message"] == "Nothing was imported: 2 problems"
    assert state["details"] == {"problems": [{"row": 2}]}


def test_unexpected_error_never_reaches_the_page(store, caplog):
    def work(progress):
        raise RuntimeError("secret internals /etc/passwd")

    state = wait_for(store, store.start("check", work))
    assert state["state"] == "error"
    assert "secret" not in state["message"]
    assert "has been logged" in state["message"]
    assert "secret internals" in caplog.text


def test_stale_running_job_is_reported_lost(store, monkeypatch):
    job_id = store.start("commit", lambda progress: {}, wait=True)
    state = store._get(job_id)
    store._set(job_id, dict(state, state="running", heartbeat=time.time() - 10_000), 60)
    lost = store.get(job_id)
    assert lost["state"] == "lost"
    assert "nothing was changed" in lost["message"]


def test_blobs_round_trip_and_bad_tokens_are_refused(store):
    token = store.put_blob(b"a,b\n1,2\n", {"filename": "x.csv"})
    assert valid_token(token)
    assert store.get_blob(token) == (b"a,b\n1,2\n", {"filename": "x.csv"})
    for bad in (None, 3, "", "../../etc/passwd", "a" * 200, {"x": 1}, token + "!"):
        assert store.get_blob(bad) is None
        assert store.get(bad) is None
    assert store.get_blob("A" * 32) is None  # well-formed but unknown


def test_state_is_shared_between_stores_on_the_same_cache(tmp_path):
    cache_dir = str(tmp_path / "shared")
    first, second = JobStore(FileSystemCache(cache_dir)), JobStore(FileSystemCache(cache_dir))
    job_id = first.start("check", lambda progress: {"ok": True}, wait=True)
    assert second.get(job_id)["result"] == {"ok": True}
    token = first.put_blob(b"data", {"filename": "f.csv"})
    assert second.get_blob(token)[0] == b"data"


def test_heartbeat_keeps_a_slow_job_alive(store, monkeypatch):
    monkeypatch.setattr(jobs, "STALE_AFTER", 1.0)

    def work(progress):
        time.sleep(2.0)  # no progress reported for twice the stale limit
        return {}

    job_id = store.start("commit", work)
    time.sleep(1.5)
    assert store.get(job_id)["state"] == "running"
    assert wait_for(store, job_id)["state"] == "done"

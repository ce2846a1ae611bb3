"""Run long tasks (imports, later snapshots) in the background, with progress any worker can read.

A job runs in a thread of the process that started it; its state lives in the app's shared cache
(the FileSystemCache or Redis that flask-caching gives every worker), so whichever worker answers
the browser's next poll can report it. Without a shared cache (CACHE_TYPE=NullCache) an
in-process store is used, which is right for one worker.

Uploaded files waiting for confirmation are kept the same way (`put_blob`/`get_blob`), under a
random token that only the uploader's page knows.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

log = logging.getLogger(__name__)

JOB_TIMEOUT = 6 * 3600       # seconds a finished job's result is kept
BLOB_TIMEOUT = 2 * 3600      # seconds an uploaded file waits for confirmation
STALE_AFTER = 120            # a running job not heard from for this long has died
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

Progress = Callable[[str, float], None]


class JobError(Exception):
    """A job failed for a reason the user should read (the message is shown as it is)."""

    def __init__(self, message: str, details: Any = None):
        super().__init__(message)
        self.details = details


@dataclass
class _LocalStore:
    """A process-local stand-in for the shared cache (one worker, or tests)."""

    items: dict[str, tuple[float, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: str) -> Any:
        with self.lock:
            expires, value = self.items.get(key, (0.0, None))
            if expires and expires < time.time():
                self.items.pop(key, None)
                return None
            return value

    def set(self, key: str, value: Any, timeout: int = 0) -> bool:
        with self.lock:
            self.items[key] = (time.time() + timeout if timeout else 0.0, value)
        return True

    def delete(self, key: str) -> bool:
        with self.lock:
            return self.items.pop(key, None) is not None


_LOCAL = _LocalStore()


def valid_token(token: Any) -> bool:
    """Say whether an untrusted value has the shape of a job or upload token."""
    return isinstance(token, str) and bool(_TOKEN.match(token))


class JobStore:
    """Keep job states and uploaded files in the shared cache (or in this process)."""

    def __init__(self, cache: Any = None, prefix: str = "shelfmark-job:"):
        self.cache = cache if cache is not None else _LOCAL
        self.prefix = prefix

    # --- raw access ---------------------------------------------------------------------------

    def _get(self, key: str) -> Any:
        try:
            return self.cache.get(self.prefix + key)
        except Exception:
            log.warning("job store read failed", exc_info=True)
            return None

    def _set(self, key: str, value: Any, timeout: int) -> None:
        self.cache.set(self.prefix + key, value, timeout=timeout)

    # --- uploaded files -----------------------------------------------------------------------

    def put_blob(self, content: bytes, meta: dict[str, Any]) -> str:
        """Keep an uploaded file for a while; return the token that fetches it."""
        token = secrets.token_urlsafe(24)
        self._set("blob:" + token, {"content": content, "meta": dict(meta)}, BLOB_TIMEOUT)
        return token

    def get_blob(self, token: Any) -> tuple[bytes, dict[str, Any]] | None:
        """Return an uploaded file and its metadata, or None if the token is unknown or old."""
        if not valid_token(token):
            return None
        item = self._get("blob:" + token)
        if not isinstance(item, dict):
            return None
        return item["content"], item["meta"]

    # --- jobs ---------------------------------------------------------------------------------

    def start(self, kind: str, work: Callable[[Progress], dict[str, Any]],
              *, wait: bool = False) -> str:
        """Run `work(progress)` in a background thread; return the job's id.

        `work` returns a JSON-able dict (the result). A JobError becomes state "failed" with its
        message and details; any other exception becomes "error" with a generic message (the
        traceback goes to the log, never to the page). `wait` runs it in this thread instead
        (for the command line and tests).
        """
        job_id = secrets.token_urlsafe(18)
        now = time.time()
        self._set(job_id, {"id": job_id, "kind": kind, "state": "running", "stage": "starting",
                           "fraction": 0.0, "started": now, "heartbeat": now,
                           "result": None, "message": "", "details": None}, JOB_TIMEOUT)
        if wait:
            self._run(job_id, work)
        else:
            threading.Thread(target=self._run, args=(job_id, work), daemon=True,
                             name=f"shelfmark-{kind}-{job_id[:6]}").start()
        return job_id

    def _update(self, job_id: str, **changes: Any) -> None:
        state = self._get(job_id) or {"id": job_id}
        state.update(changes, heartbeat=time.time())
        self._set(job_id, state, JOB_TIMEOUT)

    def _run(self, job_id: str, work: Callable[[Progress], dict[str, Any]]) -> None:
        last = [0.0]
        lock = threading.Lock()
        finished = threading.Event()

        def update(**changes: Any) -> None:
            with lock:
                self._update(job_id, **changes)

        def progress(stage: str, fraction: float) -> None:
            now = time.time()
            if now - last[0] >= 0.25 or fraction >= 1.0:
                last[0] = now
                update(stage=stage, fraction=max(0.0, min(1.0, float(fraction))))

        def heartbeat() -> None:  # long SQL steps report no progress: say we are alive
            while not finished.wait(STALE_AFTER / 6):
                update()

        threading.Thread(target=heartbeat, daemon=True).start()
        try:
            result = work(progress)
        except JobError as failed:
            finished.set()
            update(state="failed", message=str(failed), details=failed.details)
        except Exception:
            finished.set()
            log.exception("background job %s failed", job_id)
            update(state="error", message="Something went wrong on the server; nothing was "
                                          "changed. The problem has been logged.")
        else:
            finished.set()
            update(state="done", stage="done", fraction=1.0, result=result)

    def get(self, job_id: Any) -> dict[str, Any] | None:
        """Return a job's state (a dict), or None for an unknown or malformed id."""
        if not valid_token(job_id):
            return None
        state = self._get(job_id)
        if not isinstance(state, dict):
            return None
        if state.get("state") == "running" and time.time() - state.get("heartbeat", 0) > \
                STALE_AFTER:
            state = dict(state, state="lost",
                         message="The server stopped while working on this; nothing was "
                                 "changed. Try again.")
        return state

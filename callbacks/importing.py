"""Wire the Import page: upload, background check with progress, preview, confirm, import.

Every input here is untrusted (the callback endpoint can be called by anything): the upload is
size-checked before decoding, tokens and job ids are checked for shape and looked up, options
are validated in `dashboard.importing.preview`.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Input, Output, State, no_update

from dashboard import context
from dashboard.db.imports import list_batches
from dashboard.importing import ImportFailed
from dashboard.importing.preview import check_upload, commit_upload, decode_upload
from dashboard.jobs import JobStore, valid_token
from layouts import ids
from layouts.importing import (confirm_label, failed_view, preview_view, progress_view,
                               recent_imports)

log = logging.getLogger(__name__)


def _store() -> JobStore:
    return JobStore(context.current().cache)


def _max_bytes() -> int:
    return int(context.current().config["IMPORT_MAX_MB"]) * 1024 * 1024


def _xlsx_sheets(content: bytes) -> list[str]:
    if not content.startswith(b"PK"):
        return []
    from dashboard.importing.reader import list_sheets

    try:
        return list_sheets(content)
    except ImportFailed:
        return []  # the check itself reports a damaged workbook


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n / 1048576:,.1f} MB"


def receive_upload(payload):
    """Keep an uploaded file server-side; return its token and the sheet chooser's state."""
    hidden = {"display": "none"}
    if not isinstance(payload, dict):
        return no_update, no_update, no_update, no_update, no_update, no_update
    try:
        content, filename = decode_upload(payload.get("contents"), payload.get("filename"),
                                          _max_bytes())
    except ImportFailed as failed:
        alert = dbc.Alert(str(failed), color="danger")
        return None, alert, "", [], None, hidden
    sheets = _xlsx_sheets(content)
    token = _store().put_blob(content, {"filename": filename, "size": len(content)})
    info = {"token": token, "filename": filename, "size": len(content), "sheets": sheets}
    default = "Data" if "Data" in sheets else (sheets[0] if sheets else None)
    described = f"{filename}, {_size(len(content))}" + \
        (f", {len(sheets)} sheets" if len(sheets) > 1 else "")
    return (info, progress_view({"stage": "starting", "fraction": 0.0}), described,
            [{"label": s, "value": s} for s in sheets], default,
            {} if len(sheets) > 1 else hidden)


def _start(kind: str, info, fmt, sheet, create):
    """Start a check or an import of the uploaded file as a background job."""
    if not isinstance(info, dict) or not valid_token(info.get("token")):
        return None
    store = _store()
    blob = store.get_blob(info.get("token"))
    if blob is None:
        raise LookupError("upload expired")
    content, meta = blob
    ctx = context.current()
    viewer = context.current_viewer()
    db, config = ctx.db, ctx.config
    if kind == "check":
        def work(progress):
            return check_upload(db, viewer, config, content, meta["filename"], fmt=fmt,
                                sheet=sheet, create_services=create, progress=progress)
    else:
        def work(progress):
            return commit_upload(db, viewer, config, content, meta["filename"], fmt=fmt,
                                 sheet=sheet, create_services=create, progress=progress,
                                 created_by="web upload")
    return {"id": store.start(kind, work), "kind": kind}


_EXPIRED = dbc.Alert("The uploaded file is no longer held (uploads are kept for two hours): "
                     "upload it again.", color="warning")


def start_check(info, fmt, sheet, create):
    """Check the uploaded file whenever it or an option changes."""
    try:
        job = _start("check", info, fmt, sheet, create)
    except LookupError:
        return None, True, _EXPIRED, True, "Import"
    if job is None:
        return no_update, no_update, no_update, no_update, no_update
    return job, False, progress_view({"kind": "check", "stage": "starting"}), True, "Import"


def start_import(n_clicks, info, fmt, sheet, create):
    """Import the checked file when the user confirms."""
    if not n_clicks:
        return no_update, no_update, no_update, no_update
    try:
        job = _start("commit", info, fmt, sheet, create)
    except LookupError:
        return None, True, _EXPIRED, True
    if job is None:
        return no_update, no_update, no_update, no_update
    return job, False, progress_view({"kind": "commit", "stage": "starting"}), True


def poll(_n, job_ref):
    """Show a job's progress, then its outcome; stop polling when it has finished."""
    if not isinstance(job_ref, dict):
        return no_update, True, no_update, no_update, no_update
    job = _store().get(job_ref.get("id"))
    if job is None:
        return (dbc.Alert("This check is no longer known to the server: upload the file again.",
                          color="warning"), True, True, "Import", no_update)
    kind = job.get("kind")
    if job["state"] == "running":
        return progress_view(job), False, True, no_update, no_update
    if job["state"] != "done":
        view = failed_view(job) if job["state"] == "failed" else dbc.Alert(
            job.get("message") or "Something went wrong; nothing was changed.", color="danger")
        return view, True, True, "Import", no_update
    result = job["result"]
    if kind == "commit":
        recent = recent_imports(list_batches(context.current().db, context.current_viewer()))
        return preview_view(result, committed=True), True, True, "Import", recent
    changed = result["added"] or result["replaced"] or result["services_created"] or \
        result.get("neighbours")
    return preview_view(result), True, not changed, confirm_label(result), no_update


def register(app) -> None:
    """Register the Import page's callbacks."""
    # Refuse files over the limit in the browser, before they are sent at all.
    app.clientside_callback(
        """
        function(contents, filename, maxBytes) {
            if (!contents) { return [window.dash_clientside.no_update, ""]; }
            var comma = contents.indexOf(",");
            var size = Math.floor((contents.length - comma - 1) * 3 / 4);
            if (size > maxBytes) {
                return [null, "\\u201c" + filename + "\\u201d is " + (size / 1048576).toFixed(1)
                        + " MB, over the " + Math.round(maxBytes / 1048576)
                        + " MB limit for imports (the IMPORT_MAX_MB setting): split it into "
                        + "smaller files."];
            }
            return [{contents: contents, filename: filename}, ""];
        }
        """,
        Output(ids.IMPORT_PAYLOAD, "data"),
        Output(ids.IMPORT_CLIENT_MESSAGE, "children"),
        Input(ids.IMPORT_UPLOAD, "contents"),
        State(ids.IMPORT_UPLOAD, "filename"),
        State(ids.IMPORT_MAX_BYTES, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(ids.IMPORT_INFO, "data"),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_FILE, "children"),
        Output(ids.IMPORT_SHEET, "options"),
        Output(ids.IMPORT_SHEET, "value"),
        Output(ids.IMPORT_SHEET_GROUP, "style"),
        Input(ids.IMPORT_PAYLOAD, "data"),
        prevent_initial_call=True,
    )(receive_upload)
    app.callback(
        Output(ids.IMPORT_JOB, "data", allow_duplicate=True),
        Output(ids.IMPORT_POLL, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_CONFIRM, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_CONFIRM, "children", allow_duplicate=True),
        Input(ids.IMPORT_INFO, "data"),
        Input(ids.IMPORT_FORMAT, "value"),
        Input(ids.IMPORT_SHEET, "value"),
        Input(ids.IMPORT_CREATE, "value"),
        prevent_initial_call=True,
    )(start_check)
    app.callback(
        Output(ids.IMPORT_JOB, "data", allow_duplicate=True),
        Output(ids.IMPORT_POLL, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_CONFIRM, "disabled", allow_duplicate=True),
        Input(ids.IMPORT_CONFIRM, "n_clicks"),
        State(ids.IMPORT_INFO, "data"),
        State(ids.IMPORT_FORMAT, "value"),
        State(ids.IMPORT_SHEET, "value"),
        State(ids.IMPORT_CREATE, "value"),
        prevent_initial_call=True,
    )(start_import)
    app.callback(
        Output(ids.IMPORT_STATUS, "children", allow_duplicate=True),
        Output(ids.IMPORT_POLL, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_CONFIRM, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_CONFIRM, "children", allow_duplicate=True),
        Output(ids.IMPORT_RECENT, "children"),
        Input(ids.IMPORT_POLL, "n_intervals"),
        State(ids.IMPORT_JOB, "data"),
        prevent_initial_call=True,
    )(poll)

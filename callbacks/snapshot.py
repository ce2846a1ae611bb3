"""Wire the snapshot toolbar: make files in the background, copy links, open saved views.

Every input is untrusted: the format must be one of the known ones, the page key a known page,
the query goes through the page's own parser (dashboard.snapshot.build), and job ids and file
tokens are checked by the job store. Files are made by a background job (the page stays
responsive and shows progress) and fetched from `/download/snapshot/<token>`.
"""

from __future__ import annotations

import base64
import logging
from urllib.parse import parse_qsl

from dash import ALL, Input, Output, State, callback_context, no_update
from flask import Response

from dashboard import context
from dashboard.jobs import JobError, JobStore, valid_token
from dashboard.snapshot.build import (PAGE_PATHS, SnapshotError, page_url, public_url,
                                      read_view_state)
from dashboard.snapshot.make import check_format, check_service, make_snapshot
from dashboard.snapshot.model import FORMAT_LABELS, MEDIA_TYPES
from layouts import ids
from layouts.toolbar import failed_view, progress_view, ready_view

log = logging.getLogger(__name__)
SHORT_LABELS = {"pdf": "PDF", "pptx": "PowerPoint file", "png": "image", "html": "HTML page",
                "xlsx": "Excel workbook", "csv": "CSV file", "zip": "ZIP bundle"}


def _store() -> JobStore:
    return JobStore(context.current().cache)


def _query(search) -> dict[str, str]:
    if not isinstance(search, str) or len(search) > 8000:
        return {}
    return dict(parse_qsl(search.lstrip("?")))


def start_snapshot(clicks, page, search):
    """Start making the chosen format of the current view in the background."""
    trigger = callback_context.triggered_id
    if not isinstance(trigger, dict) or not any(isinstance(c, int) and c > 0
                                                for c in clicks or []):
        return no_update, no_update, no_update
    try:
        fmt = check_format(trigger.get("format"))
        if page not in PAGE_PATHS:
            raise SnapshotError("this page cannot be downloaded")
    except SnapshotError as exc:
        return None, True, failed_view(str(exc))
    ctx = context.current()
    viewer = context.current_viewer()
    query = _query(search)
    store = _store()
    base_url = public_url(ctx.config)  # the job runs outside this request

    def work(progress):
        try:
            made = make_snapshot(ctx, viewer, page, query, fmt, progress, base_url)
        except SnapshotError as exc:
            raise JobError(str(exc)) from exc
        except Exception as exc:  # the renderer's RenderError carries a message for people
            if type(exc).__name__ == "RenderError":
                raise JobError(str(exc)) from exc
            raise
        token = store.put_blob(made.content, {"kind": "snapshot", "filename": made.filename,
                                              "media_type": made.media_type})
        return {"token": token, "filename": made.filename, "size": len(made.content),
                "format": fmt}

    job_id = store.start(f"snapshot-{fmt}", work)
    label = SHORT_LABELS[fmt]
    return ({"id": job_id, "format": fmt}, False,
            progress_view({"label": label, "stage": "starting", "fraction": 0.0}))


def poll_snapshot(_n, job_ref):
    """Show a snapshot job's progress; when done, hand the file to the browser."""
    if not isinstance(job_ref, dict) or not valid_token(job_ref.get("id")):
        return no_update, True, no_update
    fmt = job_ref.get("format") if job_ref.get("format") in FORMAT_LABELS else "pdf"
    label = SHORT_LABELS[fmt]
    job = _store().get(job_ref["id"])
    if job is None:
        return failed_view("the server no longer knows this download; try again."), True, None
    if job["state"] == "running":
        return progress_view({**job, "label": label}), False, no_update
    if job["state"] != "done":
        return failed_view(job.get("message") or "something went wrong."), True, None
    result = job.get("result") or {}
    href = f"/download/snapshot/{result.get('token')}"
    return (ready_view(label, href, result.get("filename", ""), int(result.get("size", 0))),
            True, href)


def open_view(contents, filename):
    """Open the view an uploaded view.json describes, or say why it cannot be opened."""
    from dash import html
    import dash_bootstrap_components as dbc

    if not isinstance(contents, str) or "," not in contents:
        return no_update, no_update
    if len(contents) > 200_000:
        return no_update, dbc.Alert([html.Strong(f"{str(filename)[:80]}: "),
                                     "This file is too big to be a Shelfmark view (view.json "
                                     "files are a few hundred bytes)."],
                                    color="warning", dismissable=True, className="py-2 mt-2")
    try:
        raw = base64.b64decode(contents.split(",", 1)[1], validate=False)
        page, query = read_view_state(raw)
    except SnapshotError as exc:
        return no_update, dbc.Alert([html.Strong(f"{str(filename)[:80]}: "), str(exc)],
                                    color="warning", dismissable=True, className="py-2 mt-2")
    except (ValueError, RecursionError):
        return no_update, dbc.Alert("This file could not be read as a Shelfmark view.",
                                    color="warning", dismissable=True, className="py-2 mt-2")
    return page_url(page, query), None


def snapshot_download(token: str) -> Response:
    """Serve a finished snapshot file once its job has made it."""
    store = JobStore(context.current().cache)
    blob = store.get_blob(token) if valid_token(token) else None
    if blob is None or blob[1].get("kind") != "snapshot":
        return Response("This file is no longer available (files are kept for two hours): "
                        "download it again from the page.\n", status=404,
                        mimetype="text/plain")
    content, meta = blob
    response = Response(content, content_type=meta.get("media_type") or MEDIA_TYPES["zip"])
    response.headers["Content-Disposition"] = f'attachment; filename="{meta["filename"]}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def snapshot_now() -> Response:
    """Make and serve a snapshot at once, for scripts and links:
    `/download/snapshot?url=/finance%3Fservice%3DDEMO003&format=pdf`."""
    from flask import request

    from dashboard.snapshot.make import address

    try:
        fmt = check_format(request.args.get("format", "pdf"))
        page, query = address(request.args.get("url", ""), None)
    except SnapshotError as exc:
        return Response(f"No file was made: {exc}\n", status=400, mimetype="text/plain")
    try:
        check_service(context.current(), context.current_viewer(), query)
        made = make_snapshot(context.current(), context.current_viewer(), page, query, fmt)
    except SnapshotError as exc:
        return Response(f"No file was made: {exc}\n", status=404, mimetype="text/plain")
    except Exception as exc:
        if type(exc).__name__ == "RenderError":
            return Response(f"No file was made: {exc}\n", status=503, mimetype="text/plain")
        log.exception("snapshot failed")
        return Response("No file was made: the problem has been logged.\n", status=500,
                        mimetype="text/plain")
    response = Response(made.content, content_type=made.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app) -> None:
    """Register the toolbar's callbacks and the file route."""
    app.callback(
        Output(ids.SNAP_JOB, "data"),
        Output(ids.SNAP_POLL, "disabled", allow_duplicate=True),
        Output(ids.SNAP_STATUS, "children", allow_duplicate=True),
        Input({"type": ids.SNAP_FORMAT, "format": ALL}, "n_clicks"),
        State(ids.SNAP_PAGE, "data"),
        State(ids.URL_SEARCH, "data"),
        prevent_initial_call=True,
    )(start_snapshot)
    app.callback(
        Output(ids.SNAP_STATUS, "children", allow_duplicate=True),
        Output(ids.SNAP_POLL, "disabled", allow_duplicate=True),
        Output(ids.SNAP_FILE, "data"),
        Input(ids.SNAP_POLL, "n_intervals"),
        State(ids.SNAP_JOB, "data"),
        prevent_initial_call=True,
    )(poll_snapshot)
    app.callback(
        Output(ids.PAGES_LOCATION, "href", allow_duplicate=True),
        Output(ids.VIEW_MESSAGE, "children"),
        Input(ids.VIEW_UPLOAD, "contents"),
        State(ids.VIEW_UPLOAD, "filename"),
        prevent_initial_call=True,
    )(open_view)
    # Fetch the finished file: the browser downloads it and stays on the page.
    app.clientside_callback(
        """
        function(href) {
            if (typeof href === "string" && href.indexOf("/download/snapshot/") === 0) {
                window.location.assign(href);
                return href;
            }
            return window.dash_clientside.no_update;
        }
        """,
        Output(ids.SNAP_FETCHED, "title"),
        Input(ids.SNAP_FILE, "data"),
        prevent_initial_call=True,
    )
    # Copy the view's address; where the clipboard API is unavailable (plain http), select it
    # in a prompt so it can be copied by hand.
    app.clientside_callback(
        """
        function(n) {
            if (!n) { return window.dash_clientside.no_update; }
            const link = window.location.href;
            const fallback = function() {
                const area = document.createElement("textarea");
                area.value = link; area.setAttribute("readonly", "");
                area.style.position = "fixed"; area.style.opacity = "0";
                document.body.appendChild(area); area.select();
                let done = false;
                try { done = document.execCommand("copy"); } catch (e) { done = false; }
                document.body.removeChild(area);
                return done;
            };
            if (navigator.clipboard && window.isSecureContext) {
                return navigator.clipboard.writeText(link).then(
                    function() { return "Link copied."; },
                    function() { return fallback() ? "Link copied." : "Copy this link: " + link; });
            }
            return fallback() ? "Link copied." : "Copy this link: " + link;
        }
        """,
        Output(ids.COPY_STATUS, "children"),
        Input(ids.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
    # Keep the presentation and cross-page links on the filters shown.
    app.clientside_callback(
        """
        function(search, page) {
            if (typeof search !== "string") { return window.dash_clientside.no_update; }
            const params = new URLSearchParams(search);
            params.delete("page");
            const present = new URLSearchParams();
            present.set("page", page);
            params.forEach(function(value, key) { present.append(key, value); });
            return "/present?" + present.toString();
        }
        """,
        Output(ids.PRESENT_LINK, "href"),
        Input(ids.URL_SEARCH, "data"),
        State(ids.SNAP_PAGE, "data"),
    )
    app.server.add_url_rule("/download/snapshot/<token>", "download_snapshot",
                            snapshot_download)
    app.server.add_url_rule("/download/snapshot", "download_snapshot_now", snapshot_now)

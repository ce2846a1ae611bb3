"""Serve file downloads: the import template and stored figures in the template layouts.

Plain Flask routes (links work without JavaScript and from scripts). Query parameters are
untrusted: anything unexpected gets a 400 with a plain message, never a stack trace.
"""

from __future__ import annotations

import logging

from flask import Response, request

from dashboard import context
from dashboard.benchmarking.export import (BENCHMARK_FORMATS, benchmark_csv, benchmark_filename,
                                           benchmark_report, benchmark_xlsx)
from dashboard.benchmarking.view import cached_benchmark, parse_benchmark_state
from dashboard.db.models import SECTORS
from dashboard.db.services import get_service
from dashboard.exporting import ExportError, export_data
from dashboard.importing.template import (MEDIA_TYPES, TEMPLATE_FORMATS, TEMPLATE_LAYOUTS,
                                          template_csv, template_filename, template_xlsx)

log = logging.getLogger(__name__)


def _choice(name: str, allowed, default: str | None) -> str | None:
    value = request.args.get(name, default)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}")
    return value


def _file(content: bytes, filename: str, fmt: str) -> Response:
    response = Response(content, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _bad(message: str, status: int = 400) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def template_download() -> Response:
    """Return the import template: ?layout=long|wide&format=csv|xlsx[&sector=nhs|...]."""
    try:
        layout = _choice("layout", TEMPLATE_LAYOUTS, "long")
        fmt = _choice("format", TEMPLATE_FORMATS, "xlsx")
        sector = _choice("sector", SECTORS, None)
    except ValueError as exc:
        return _bad(str(exc))
    content = (template_csv if fmt == "csv" else template_xlsx)(layout, sector=sector)
    return _file(content, template_filename(layout, fmt, sector), fmt)


def export_download() -> Response:
    """Return stored figures in a template layout: ?service=CODE&layout=...&format=..."""
    try:
        layout = _choice("layout", TEMPLATE_LAYOUTS, "long")
        fmt = _choice("format", TEMPLATE_FORMATS, "csv")
    except ValueError as exc:
        return _bad(str(exc))
    service = request.args.get("service", "")
    if len(service) > 100:
        return _bad("service code too long")
    ctx = context.current()
    viewer = context.current_viewer()
    if service and get_service(ctx.db, viewer, service) is None:
        return _bad(f"there is no service {service!r}", 404)
    codes = [service] if service else None
    try:
        content, filename = export_data(ctx.db, viewer, layout, fmt, service_codes=codes,
                                        config=ctx.config)
    except ExportError as exc:
        return _bad(f"These figures cannot be exported: {exc}", 409)
    except Exception:
        log.exception("export failed")
        return _bad("The export failed; the problem has been logged.", 500)
    return _file(content, filename, fmt)


def benchmark_download() -> Response:
    """Return the Benchmark page's league table: the page's query plus &format=csv|xlsx.

    The parameters are read as strictly as the page reads them, but a link whose service,
    year, measure or peer group had to be corrected gets a 400 naming the problem rather than
    a file of figures the user did not ask for.
    """
    try:
        fmt = _choice("format", BENCHMARK_FORMATS, "csv")
    except ValueError as exc:
        return _bad(str(exc))
    query = {k: request.args.get(k) for k in ("service", "fy", "peers", "per", "metric")
             if k in request.args}
    state, problems = parse_benchmark_state(query)
    if problems:
        return _bad("Nothing was downloaded: " + " ".join(problems))
    ctx = context.current()
    viewer = context.current_viewer()
    try:
        view = cached_benchmark(ctx, viewer, state)
    except Exception:
        log.exception("benchmark download failed")
        return _bad("The download failed; the problem has been logged.", 500)
    corrected = (state.service and view.state.service != state.service) or \
        (state.fy is not None and view.state.fy != state.fy)
    if corrected or view.empty_message or not view.league:
        reasons = " ".join(view.messages) or view.empty_message or "there is nothing to compare"
        return _bad(f"Nothing was downloaded: {reasons}", 404)
    report = benchmark_report(view)
    content = (benchmark_csv if fmt == "csv" else benchmark_xlsx)(report)
    return _file(content, benchmark_filename(report.service_code, report.period_label, fmt), fmt)


def logo() -> Response:
    """Serve the organisation's logo (the ORGANISATION_LOGO setting), or 404 without one."""
    from flask import send_file

    from dashboard.settings import LOGO_SUFFIXES, logo_path

    path = logo_path(context.current().config)
    if path is None:
        return _bad("No organisation logo is set.", 404)
    response = send_file(path, mimetype=LOGO_SUFFIXES[path.suffix.lower()], max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(app) -> None:
    """Add the download routes to the app's Flask server."""
    server = app.server
    server.add_url_rule("/download/template", "download_template", template_download)
    server.add_url_rule("/download/export", "download_export", export_download)
    server.add_url_rule("/download/benchmark", "download_benchmark", benchmark_download)
    server.add_url_rule("/branding/logo", "branding_logo", logo)

"""Wire presentation mode: start the slide switcher when a deck appears, serve the logo."""

from __future__ import annotations

import mimetypes

from dash import ClientsideFunction, Input, Output
from flask import Response, send_file

from dashboard import context
from dashboard.settings import logo_path
from layouts import ids
from layouts.present import LOGO_PATH


def organisation_logo() -> Response:
    """Return the configured organisation logo (ORGANISATION_LOGO), and no other file."""
    path = logo_path(context.current().config)
    if path is None:
        return Response("No organisation logo is set.\n", status=404, mimetype="text/plain")
    response = send_file(path, mimetype=mimetypes.guess_type(path.name)[0] or "image/png",
                         max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(app) -> None:
    """Register the presentation's clientside start-up and the logo route."""
    # Runs whenever a deck is rendered (a first load, or arriving from another page): the
    # switcher in assets/zz-shelfmark/present.js takes over keys, buttons and the URL.
    app.clientside_callback(
        ClientsideFunction(namespace="shelfmarkPresent", function_name="start"),
        Output(ids.PRESENT_READY, "title"),
        Input(ids.PRESENT_DECK, "data"),
    )
    app.server.add_url_rule(LOGO_PATH, "present_logo", organisation_logo)

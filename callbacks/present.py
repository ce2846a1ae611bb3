"""Wire presentation mode: start the slide switcher when a deck appears."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output

from layouts import ids


def register(app) -> None:
    """Register the presentation's clientside start-up."""
    # Runs whenever a deck is rendered (a first load, or arriving from another page): the
    # switcher in assets/zz-shelfmark/present.js takes over keys, buttons and the URL.
    app.clientside_callback(
        ClientsideFunction(namespace="shelfmarkPresent", function_name="start"),
        Output(ids.PRESENT_READY, "title"),
        Input(ids.PRESENT_DECK, "data"),
    )

"""Filter the definitions table as the user types (in the browser: no round trip)."""

from __future__ import annotations

from dash import Input, Output

from layouts import ids


def register(app) -> None:
    app.clientside_callback(
        """
        function(text) {
            return {quickFilterText: typeof text === "string" ? text : "",
                    animateRows: false, domLayout: "autoHeight", pagination: true,
                    paginationPageSize: 25,
                    paginationPageSizeSelector: [25, 50, 100]};
        }
        """,
        Output(ids.DEFINITIONS_GRID, "dashGridOptions"),
        Input(ids.DEFINITIONS_SEARCH, "value"),
        prevent_initial_call=True,
    )

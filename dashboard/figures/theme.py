"""Share one chart theme: the template every figure uses, its colours, the layout helper and
colour contrast."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
NHS_BLUE = "#005EB8"
TEXT = "#212b32"
MUTED = "#4c6272"
GRID = "#d8dde0"
FONT = "Arial, 'Helvetica Neue', Helvetica, sans-serif"

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=13, color=TEXT),
        title=dict(font=dict(size=15, color=TEXT), x=0.015, xanchor="left", xref="container",
                   y=0.98, yanchor="top", yref="container"),
        colorway=PALETTE,
        separators=".,",
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=60, r=20, t=64, b=50),
        xaxis=dict(showgrid=False, linecolor=GRID, ticks="outside", tickcolor=GRID,
                   automargin=True),
        yaxis=dict(gridcolor=GRID, zeroline=True, zerolinecolor=GRID, automargin=True,
                   rangemode="tozero"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0,
                    font=dict(size=12)),
        hoverlabel=dict(font=dict(family=FONT)),
    )
)
pio.templates["shelfmark"] = TEMPLATE
_TEMPLATE_JSON = TEMPLATE.to_plotly_json()

CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def figure_layout(title: str, height: int, **extra) -> dict:
    """Return a figure's layout in the shared template, with its title, height and `extra`."""
    # Every figure shares the one template: nothing changes a figure's template in place
    # (exports deep-copy a figure before re-theming it), and copying it cost each chart more
    # than its data did.
    layout = {"template": _TEMPLATE_JSON, "title": {"text": title},
              "height": height}
    layout.update(extra)
    return layout


# Peer comparisons (the Benchmark page and the executive view's standing chart)
OWN_COLOUR = "#D55E00"   # Okabe-Ito vermillion: the own service, everywhere
PEER_COLOUR = "#0072B2"
BAND_COLOUR = "rgba(0,114,178,0.16)"
QUARTILE_COLOURS = {"best": "#009E73", "middle": "#E69F00", "worst": "#CC3311",
                    "none": "#0072B2"}


def _luminance(colour: str) -> float | None:
    """Return the relative luminance of a #rrggbb colour (None for any other form)."""
    text = colour.strip().lstrip("#") if isinstance(colour, str) else ""
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        channels = [int(text[i:i + 2], 16) / 255 for i in (0, 2, 4)] if len(text) == 6 else []
    except ValueError:
        return None
    if not channels:
        return None
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#ffffff") -> float | None:
    """Return the WCAG contrast ratio of two #rrggbb colours (None if either is not one)."""
    a, b = _luminance(foreground), _luminance(background)
    if a is None or b is None:
        return None
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)

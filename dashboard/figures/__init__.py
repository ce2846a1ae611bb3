"""Draw Plotly figures, in one colour-blind-safe theme for screen and export, by subject.

- `theme`: the shared template (TEMPLATE, registered as "shelfmark"), colours, the Dash graph
  CONFIG, `figure_layout` (every figure's layout) and `contrast_ratio`;
- `panels`: the dashboard pages' panels (`make_trend_figure`, `make_breakdown_figure`,
  `make_panel_figure`) and the KPI tiles' `make_sparkline`;
- `quality`: the data-quality page's `make_coverage_figure`;
- `benchmarking`: peer comparisons (`make_distribution_figure`, `make_ranked_figure`,
  `make_peer_trend_figure`, `make_league_figure`) and `quartile_band`;
- `executive`: the executive view's `make_change_figure` and `make_standing_figure`;
- `presentation`: `presentation_figure`, a figure re-themed for a projector.

Figures are built as plain Plotly JSON (dicts): dcc.Graph draws them as they are, kaleido and
`plotly.graph_objects.Figure(fig)` accept them for export, and skipping graph_objects
validation keeps a page's callback fast.
"""

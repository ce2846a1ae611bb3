"""`make bench`: time what Shelfmark's users wait for, beside the bare SQL of the same numbers.

- `pages`: every dashboard page's callback at 50k and 5M observations, beside the page's own
  aggregate statement alone;
- `peer_comparisons`: peer benchmarking on the real IMLS FY2017 data (9,245 library systems);
- `snapshots`: an eight-panel view's downloads (PDF, PowerPoint, ZIP) against single charts;
- `imports`: a 1-million-row import against plain pandas `to_sql`.

Run it as `python -m bench` (`make bench BENCH_ARGS=...`); docs/performance.md explains the
figures. Nothing in dashboard/ imports this package.
"""

"""Run the benchmarks: `python -m bench [options]` (what `make bench` runs)."""

from __future__ import annotations

from pathlib import Path

import click

from . import pages

DEFAULT_WORKDIR = Path(__file__).resolve().parent.parent / "data" / "bench"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--services", default=1200, show_default=True,
              help="Services in the large database.")
@click.option("--years", default=10, show_default=True, help="Years in the large database.")
@click.option("--repeat", default=30, show_default=True, help="Calls per page measurement.")
@click.option("--database-url", default=None,
              help="Large database URL [default: a SQLite file in the work folder].")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_WORKDIR, show_default=True,
              help="Where to keep the benchmark databases.")
@click.option("--benchmark-repeat", default=20, show_default=True,
              help="Services timed per peer group in the IMLS peer-comparison benchmark "
              "(0 skips it).")
@click.option("--snapshot-repeat", default=3, show_default=True,
              help="Repeats of the snapshot benchmark (8-panel PDF, PPTX, ZIP against 8 "
              "single-chart exports; 0 skips it).")
@click.option("--import-rows", default=1_000_000, show_default=True,
              help="Rows of the import benchmark's CSV (0 skips it).")
def main(services: int, years: int, repeat: int, database_url: str | None, workdir: Path,
         benchmark_repeat: int, snapshot_repeat: int, import_rows: int) -> None:
    """Build (or reuse) the benchmark databases and print the timings."""
    workdir.mkdir(parents=True, exist_ok=True)
    small_url = f"sqlite:///{workdir / 'bench-50k.db'}"
    large_url = database_url or f"sqlite:///{workdir / f'bench-{services}x{years}.db'}"
    print("Shelfmark benchmark (server time of page callbacks; no cache)")
    print(f"Building or reusing databases in {workdir} ...", flush=True)
    small_rows = pages.build(small_url, pages.SMALL_SERVICES, years)
    large_rows = pages.build(large_url, services, years)
    small = pages.in_fresh_process("pages", "measure", small_url, repeat)
    large = pages.in_fresh_process("pages", "measure", large_url, repeat)
    pages.report("Small", small_rows, small)
    pages.report("Large", large_rows, large)
    print("\nScaling (large p50 / small p50; aim at most 3x):")
    for page in pages.PAGE_ORDER:
        ratio = large[page]["callback_p50_ms"] / small[page]["callback_p50_ms"]
        print(f"  {page:<10} {ratio:.2f}x")
    pages.explain()
    if benchmark_repeat:
        from . import peer_comparisons

        print(f"\nPeer comparisons on the IMLS data: {benchmark_repeat} services per "
              "peer group ...", flush=True)
        peer_comparisons.report(peer_comparisons.run(workdir, benchmark_repeat))
    if snapshot_repeat:
        from . import snapshots

        print(f"\nSnapshot downloads of an eight-panel view (the Activity page), median of "
              f"{snapshot_repeat} ...", flush=True)
        snapshots.report(snapshots.run(lambda: snapshots.eight_panel_snapshot(small_url),
                                       snapshot_repeat))
    if import_rows:
        from . import imports

        print(f"\nImport benchmark: {import_rows:,} rows ...", flush=True)
        imports.report(pages.in_fresh_process("imports", "run_in_worker", workdir, import_rows))


if __name__ == "__main__":
    main()

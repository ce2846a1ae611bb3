"""Run the Shelfmark command line: python -m dashboard."""

from .cli import main

raise SystemExit(main())

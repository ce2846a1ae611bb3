"""The one data seam: every SQL statement Shelfmark runs, reads and writes, and where access
is decided.

- `engine`: the Database (engine, sessions, write transactions made one at a time,
  migrations); `models`: the tables; `access`: the Viewer and the rules of who may see and
  change what;
- reads by subject: `services`, `aggregates` (a page's figures by the one aggregation rule,
  and the data version), `peers` (peer benchmarking), `exports`;
- writes, each taking the acting Viewer and run through Database.writing: `imports` (import,
  undo and the list of batches), `targets`, `seeding` (demo and benchmark data), with
  `coverage` and `bulk` as their helpers.

Nothing outside this package runs SQL or opens a session (tests/test_seam.py checks).
"""

from .access import ANONYMOUS, COMMAND_LINE, AccessDenied, Viewer
from .engine import Database, WriteBusy

__all__ = ["ANONYMOUS", "COMMAND_LINE", "AccessDenied", "Database", "Viewer", "WriteBusy"]

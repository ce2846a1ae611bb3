"""Component ids, in one place and one style (kebab-case): a typo becomes an import error."""

SERVICE = "filter-service"
PERIOD_FROM = "filter-from"
PERIOD_TO = "filter-to"
GRANULARITY = "filter-granularity"
CATEGORIES = "filter-categories"
CATEGORIES_GROUP = "filter-categories-group"
PAGE_KEY = "page-key"
CONTENT = "page-content"
URL_SEARCH = "url-search"
URL_SYNCED = "url-synced"
DEFINITIONS_SEARCH = "definitions-search"
DEFINITIONS_GRID = "definitions-grid"
# Import page
IMPORT_UPLOAD = "import-upload"
# An Upload's file input is named by the element whose id is its own + "-label" (a11y.js)
IMPORT_UPLOAD_LABEL = f"{IMPORT_UPLOAD}-label"
IMPORT_PAYLOAD = "import-payload"
IMPORT_INFO = "import-info"
IMPORT_MAX_BYTES = "import-max-bytes"
IMPORT_CLIENT_MESSAGE = "import-client-message"
IMPORT_FILE = "import-file"
IMPORT_FORMAT = "import-format"
IMPORT_SHEET = "import-sheet"
IMPORT_SHEET_GROUP = "import-sheet-group"
IMPORT_CREATE = "import-create-services"
IMPORT_JOB = "import-job"
IMPORT_POLL = "import-poll"
IMPORT_STATUS = "import-status"
IMPORT_CONFIRM = "import-confirm"
IMPORT_RECENT = "import-recent"
# Data quality page
QUALITY_SERVICE = "quality-service"
QUALITY_CONTENT = "quality-content"
QUALITY_UNDO = "quality-undo"            # pattern-matching: {"type": QUALITY_UNDO, "index": id}
QUALITY_UNDO_MODAL = "quality-undo-modal"
QUALITY_UNDO_TEXT = "quality-undo-text"
QUALITY_UNDO_BATCH = "quality-undo-batch"
QUALITY_UNDO_CONFIRM = "quality-undo-confirm"
QUALITY_UNDO_CANCEL = "quality-undo-cancel"
QUALITY_MESSAGE = "quality-message"
# Benchmark page
BENCHMARK_SERVICE = "benchmark-service"
BENCHMARK_FY = "benchmark-fy"
BENCHMARK_METRIC = "benchmark-metric"
BENCHMARK_PER = "benchmark-per"
BENCHMARK_SAME = "benchmark-same"
BENCHMARK_SIZE = "benchmark-size"
BENCHMARK_NEIGHBOURS = "benchmark-neighbours"
BENCHMARK_NEIGHBOUR_SOURCE = "benchmark-neighbour-source"
BENCHMARK_MANUAL = "benchmark-manual"
BENCHMARK_SAVED = "benchmark-saved"
BENCHMARK_SAVE_NAME = "benchmark-save-name"
BENCHMARK_SAVE = "benchmark-save"
BENCHMARK_SAVE_MESSAGE = "benchmark-save-message"
BENCHMARK_PEERS = "benchmark-peers"
BENCHMARK_CONTENT = "benchmark-content"
BENCHMARK_LEAGUE = "benchmark-league"
PAGES_LOCATION = "_pages_location"  # Dash pages' own location (refresh="callback-nav")
NAV_PREFIX = "nav-"


def nav(page: str) -> str:
    """Return the id of a page's navigation link."""
    return f"{NAV_PREFIX}{page}"


# Snapshot toolbar (every dashboard page, the Benchmark page and the executive view)
SNAP_PAGE = "snapshot-page"              # store: the page key the toolbar snapshots
SNAP_FORMAT = "snapshot-format"          # pattern-matching: {"type": SNAP_FORMAT, "format": f}
SNAP_MENU = "snapshot-menu"
SNAP_JOB = "snapshot-job"
SNAP_POLL = "snapshot-poll"
SNAP_STATUS = "snapshot-status"
SNAP_FILE = "snapshot-file"              # store: the address of a finished file
SNAP_FETCHED = "snapshot-fetched"
COPY_LINK = "copy-link"
COPY_STATUS = "copy-link-status"
PRESENT_LINK = "present-link"
VIEW_UPLOAD = "view-upload"
VIEW_UPLOAD_LABEL = f"{VIEW_UPLOAD}-label"
VIEW_MESSAGE = "view-message"
# Executive view
EXEC_SERVICE = "exec-service"
EXEC_FROM = "exec-from"
EXEC_TO = "exec-to"
EXEC_PEERS = "exec-peers"
EXEC_CONTENT = "exec-content"
# Presentation mode (/present)
PRESENT = "present"                        # the root: class present-mode
PRESENT_DECK = "present-deck"              # store: slide count, first slide, exit address
PRESENT_READY = "present-ready"            # output of the clientside start-up
PRESENT_STAGE = "present-stage"
PRESENT_SLIDE = "present-slide"            # prefix: present-slide-3
PRESENT_GRAPH = "present-graph"            # prefix: present-graph-3 (the chart on slide 3)
PRESENT_ANNOUNCE = "present-announce"      # live region: "Slide 3 of 9: ..."
PRESENT_COUNTER = "present-counter"
PRESENT_PREV = "present-prev"
PRESENT_NEXT = "present-next"
PRESENT_EXIT = "present-exit"
PRESENT_FULLSCREEN = "present-fullscreen"
# Parts that tests, scripts and links find by id (no callback writes them)
BENCHMARK_WITHHELD = "benchmark-withheld"
BENCHMARK_SUMMARY = "benchmark-summary"
BENCHMARK_MEMBERS = "benchmark-members"
BENCHMARK_GROUP = "benchmark-group"
BENCHMARK_NO_TREND = "benchmark-no-trend"
BENCHMARK_DISTRIBUTION = "benchmark-distribution"  # graphs: the same words as their panel keys
BENCHMARK_RANKED = "benchmark-ranked"
BENCHMARK_TREND = "benchmark-trend"
EXEC_META = "exec-meta"
EXEC_ITEM = "exec"                         # prefix: exec-searches (a headline figure's card)
KPI = "kpi"                                # prefix: kpi-searches (a tile)
TEMPLATE_LINK = "template"                 # prefix: template-long-csv
IMPORT_PROGRESS = "import-progress"
IMPORT_DONE = "import-done"
IMPORT_READY = "import-ready"
QUALITY_COVERAGE = "quality-coverage"
QUALITY_UNDONE = "quality-undone"
SNAP_AGAIN = "snapshot-again"

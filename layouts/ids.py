"""Component ids, in one place and one style (kebab-case): a typo becomes an import error."""

SERVICE = "filter-service"
PERIOD_FROM = "filter-from"
PERIOD_TO = "filter-to"
GRANULARITY = "filter-granularity"
CATEGORIES = "filter-categories"
CATEGORIES_GROUP = "filter-categories-group"
PAGE_KEY = "page-key"
CONTENT = "page-content"
MESSAGES = "page-messages"
URL_SEARCH = "url-search"
URL_SYNCED = "url-synced"
DEFINITIONS_SEARCH = "definitions-search"
DEFINITIONS_GRID = "definitions-grid"
NAV_PREFIX = "nav-"
PAGES = ("overview", "staffing", "finance", "activity", "impact")


def nav(page: str) -> str:
    """Return the id of a page's navigation link."""
    return f"{NAV_PREFIX}{page}"

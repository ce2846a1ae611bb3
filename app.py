"""Build the Shelfmark Dash app; `server` is the WSGI entry point for gunicorn."""

from __future__ import annotations

import logging
from typing import Any

import dash
from flask_caching import Cache

from dashboard.context import EXTENSION_KEY, AppContext
from dashboard.db import Database
from dashboard.settings import PROJECT_ROOT, SECRET_KEY_DEFAULT, load_config

log = logging.getLogger("shelfmark")

# Dash's page template with the language of the pages' text set (WCAG 3.1.1), so screen
# readers pronounce it and browsers hyphenate and translate it as English.
LANGUAGE = "en-GB"
INDEX_STRING = f"""<!DOCTYPE html>
<html lang="{LANGUAGE}">
    <head>
        {{%metas%}}
        <title>{{%title%}}</title>
        {{%favicon%}}
        {{%css%}}
    </head>
    <body>
        {{%app_entry%}}
        <footer>
            {{%config%}}
            {{%scripts%}}
            {{%renderer%}}
        </footer>
    </body>
</html>"""


def _cache_config(config) -> dict[str, Any]:
    kind = config["CACHE_TYPE"]
    settings: dict[str, Any] = {"CACHE_TYPE": kind, "CACHE_DEFAULT_TIMEOUT": config["CACHE_TIMEOUT"]}
    if kind == "FileSystemCache":
        settings["CACHE_DIR"] = config["CACHE_DIR"]
        settings["CACHE_THRESHOLD"] = 2000
    elif kind == "RedisCache":
        settings["CACHE_REDIS_URL"] = config["CACHE_REDIS_URL"]
    return settings


def create_app(config: dict[str, Any] | None = None) -> dash.Dash:
    """Create a Shelfmark app: settings, database, cache, pages and callbacks."""
    from callbacks import register_callbacks
    from layouts.pages import register_pages, shell

    settings = load_config(config)
    db = Database.from_config(settings)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        title="Shelfmark",
        index_string=INDEX_STRING,
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=True,  # gzip/brotli: plotly.js is 4.8 MB uncompressed
    )
    server = app.server
    server.config["SECRET_KEY"] = settings["SECRET_KEY"]
    if settings["SECRET_KEY"] == SECRET_KEY_DEFAULT:
        log.warning("SECRET_KEY is the development default: set it in the environment before "
                    "serving real users.")
    cache = None
    if settings["CACHE_TYPE"] != "NullCache":
        cache = Cache(server, config=_cache_config(settings))
    server.extensions[EXTENSION_KEY] = AppContext(db=db, config=settings, cache=cache)

    register_pages()
    app.layout = shell
    register_callbacks(app)
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(debug=False)

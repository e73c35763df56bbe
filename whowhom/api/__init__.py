"""whowhom's HTTP API and the dashboard server.

    from whowhom.api import create_app
    app = create_app("news.duckdb")              # read-only
    app = create_app("news.duckdb", token="s3") # POST /api/documents enabled, needs the token

Run it with `whowhom serve --db news.duckdb`. See docs/api.md.
"""
from whowhom.api.app import create_app

__all__ = ["create_app"]

"""`whowhom serve`: the HTTP API and the dashboard over an event store."""
from __future__ import annotations

import argparse
import os
import sys

SERVE_EXAMPLES = """\
examples:
  whowhom serve --db news.duckdb                     dashboard at http://127.0.0.1:8000
  whowhom serve --db news.duckdb --port 9000
  WHOWHOM_TOKEN=s3cret whowhom serve --db news.duckdb   also accept POST /api/documents

The server only reads the store; `whowhom ingest --db news.duckdb ...` can add documents while
it runs. Binding to anything but 127.0.0.1 exposes the data to your network.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the dashboard and the HTTP API over an event store",
        description="Serve the dashboard (/) and the HTTP API (/api, documented at /docs) over an "
                    "event store. Read-only unless a token is given.",
        epilog=SERVE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default=os.environ.get("WHOWHOM_DB"),
                   help="the event store (a DuckDB file made by `whowhom ingest`; default: "
                        "$WHOWHOM_DB)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--token", default=None,
                   help="enable POST /api/documents, protected by this bearer token (default: "
                        "the WHOWHOM_TOKEN environment variable, which is safer: a token on the "
                        "command line is visible to other users in `ps`; unset = read-only)")
    p.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                   help="largest accepted request body (default 2000000)")
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"],
                   help="server log level (default info)")
    p.set_defaults(func=cmd_serve)


def _fail(message: str) -> int:
    print(f"whowhom: {message}", file=sys.stderr)
    return 2


def cmd_serve(args: argparse.Namespace) -> int:
    db = args.db
    if not db:
        return _fail("give the event store with --db FILE (or set WHOWHOM_DB)")
    if not os.path.exists(db):
        return _fail(f"{db}: no such event store. Create it with `whowhom ingest FILES --db {db}`.")
    if os.path.isdir(db):
        return _fail(f"{db}: is a folder, not an event store file.")
    if not 0 < args.port < 65536:
        return _fail(f"--port {args.port}: expected 1-65535")
    token = args.token if args.token is not None else os.environ.get("WHOWHOM_TOKEN") or None
    if token is not None and not token.strip():
        return _fail("--token must not be empty")
    if args.max_body is not None and args.max_body < 1:
        return _fail("--max-body must be positive")

    from whowhom.api.app import MAX_BODY, create_app
    from whowhom.store import StoreError

    try:
        app = create_app(db, token=token, max_body=args.max_body or MAX_BODY)
    except StoreError as exc:
        return _fail(str(exc))

    import uvicorn

    where = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}"
    mode = "read-only" if token is None else "POST /api/documents enabled (token required)"
    print(f"whowhom: serving {db} at {where}/ ({mode}); API docs at {where}/docs", file=sys.stderr)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"whowhom: listening on {args.host}: reachable from other machines", file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                    server_header=False)
    except OSError as exc:  # port in use, address not available
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    except SystemExit as exc:  # uvicorn exits on bind failure
        code = exc.code if isinstance(exc.code, int) else 1
        if code:
            return _fail(f"cannot listen on {args.host}:{args.port} (see the message above)")
        return 0
    return 0

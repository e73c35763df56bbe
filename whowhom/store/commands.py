"""Command line of the event store: `whowhom ingest`, `query`, `export`, `recode`.

`register(subparsers)` adds the sub-commands to whowhom's argparse parser; each sets `func`,
which takes the parsed arguments and returns the exit code:

    0  done
    1  done, but some inputs could not be read (each was reported on stderr)
    2  nothing done: a usage error or a store error, explained in one line on stderr
  130  interrupted (Ctrl-C); whatever was stored stays stored, run again to resume
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import Any, Callable

EXAMPLES = """\
examples:
  whowhom ingest corpus/ --db news.duckdb          code and store; re-running adds only what is new
  whowhom ingest shards/ --from-parquet --db news.duckdb
  whowhom query dyads --db news.duckdb --source CHN --target AFG --by month
  whowhom query events --db news.duckdb --code 04 --country RUS --since 2021-01-01
  whowhom query actors --db news.duckdb --top 20 --format json
  whowhom export --db news.duckdb --format gdelt -o events.tsv
  whowhom recode --db news.duckdb                   after the coder or dictionaries changed
"""

QUERY_MODES = ("dyads", "events", "actors", "network", "places", "event", "document", "stats")

_TABLE_COLUMNS = {
    "dyads": ["period", "source", "target", "events", "mentions", "goldstein", "q1_share",
              "q2_share", "q3_share", "q4_share"],
    "events": ["date", "source_code", "target_code", "code", "label", "goldstein",
               "num_mentions", "num_sources", "num_articles", "location_name", "event_id"],
    "actors": ["code", "name", "country", "sector", "events", "as_source", "as_target",
               "mentions", "first_date", "last_date"],
    "network": ["source", "target", "events", "mentions", "goldstein", "cooperation"],
    "places": ["name", "country", "lat", "lon", "events", "mentions", "goldstein"],
    "mentions": ["doc_id", "sentence_id", "doc_date", "doc_outlet", "rule", "confidence",
                 "sentence"],
}


class CommandError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def _fail(message: str) -> int:
    print(f"whowhom: error: {message}", file=sys.stderr)
    return 2


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn store errors, bad filter values and file errors into one-line messages."""
    def run(args: argparse.Namespace) -> int:
        from whowhom.store.errors import StoreError
        try:
            return fn(args)
        except StoreError as exc:
            return _fail(str(exc))
        except CommandError as exc:
            return _fail(str(exc))
        except ValueError as exc:
            return _fail(str(exc))
        except BrokenPipeError:  # `whowhom query ... | head`: the reader went away
            try:
                sys.stdout = open(os.devnull, "w")
            except OSError:
                pass
            return 0
        except OSError as exc:
            where = exc.filename or ""
            return _fail(f"{where}: {exc.strerror or exc}" if where else str(exc))
        except KeyboardInterrupt:
            print("whowhom: interrupted; what was stored stays stored: run the same command "
                  "again to resume", file=sys.stderr)
            return 130
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=os.environ.get("WHOWHOM_DB"),
                   help="the event store file (DuckDB; default: $WHOWHOM_DB)")


def _need_db(args: argparse.Namespace) -> str:
    if not args.db:
        raise CommandError("no store given: pass --db FILE (or set WHOWHOM_DB)")
    return args.db


def _filter_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (all optional; comma-separated values mean any of them)")
    g.add_argument("--source", help="source actor code prefix (CHN matches CHNGOV, CHNMIL...)")
    g.add_argument("--target", help="target actor code prefix")
    g.add_argument("--actor", help="actor code prefix on either side")
    g.add_argument("--country", help="ISO alpha-3 of either actor or of the event's location")
    g.add_argument("--location-country", help="ISO alpha-3 of the event's location only")
    g.add_argument("--code", help="CAMEO event code prefix (04 = all consultations)")
    g.add_argument("--root", help="CAMEO root code (01-20)")
    g.add_argument("--plover", help="PLOVER event type (AGREE, CONSULT, ...)")
    g.add_argument("--quad", help="quad class: 1 verbal coop, 2 material coop, 3 verbal conflict, "
                                  "4 material conflict")
    g.add_argument("--since", help="first date (YYYY, YYYY-MM or YYYY-MM-DD)")
    g.add_argument("--until", help="last date, inclusive (YYYY, YYYY-MM or YYYY-MM-DD)")
    g.add_argument("--place", help="text in the location name")
    g.add_argument("--text", help="text in a sentence reporting the event")
    g.add_argument("--min-mentions", type=int, help="at least this many mentions")


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    out = {
        "source": args.source, "target": args.target, "actor": args.actor,
        "country": args.country, "location_country": args.location_country, "code": args.code,
        "root": args.root, "plover": args.plover, "quad_class": args.quad, "since": args.since,
        "until": args.until, "place": args.place, "text": args.text,
        "min_mentions": args.min_mentions,
    }
    return {k: v for k, v in out.items() if v not in (None, "")}


def register(subparsers: Any) -> None:
    """Add `ingest`, `query`, `export` and `recode` to whowhom's sub-command parsers."""
    try:
        from whowhom.cli import add_coder_options
    except ImportError:  # pragma: no cover - the lead's CLI provides it
        add_coder_options = None

    p = subparsers.add_parser(
        "ingest", help="code documents and add them to an event store",
        description="Code documents and store their events in a DuckDB file. Documents already "
                    "stored (same text) are skipped, so re-running after a crash or with more "
                    "files adds only what is new. The same event reported by several articles "
                    "becomes one event with its number of mentions, sources and articles.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="files, folders or - (stdin); with --from-parquet: "
                                            "shard folders or .parquet event files")
    _db_arg(p)
    if add_coder_options is not None:
        add_coder_options(p)
    else:
        p.add_argument("--date", default=None)
        p.add_argument("--actors", default=None)
    p.add_argument("--from-parquet", action="store_true",
                   help="load events already coded by `whowhom code -o FOLDER/` (shards) or "
                        "`-o events.parquet` instead of coding")
    p.add_argument("--workers", type=int, default=1,
                   help="coding processes (default 1; 0 = all cores)")
    p.add_argument("--batch-size", type=int, default=256,
                   help="documents per store transaction (default 256)")
    p.add_argument("--window", type=int, default=None,
                   help="deduplication window in days for a new store (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_guard(cmd_ingest))

    p = subparsers.add_parser(
        "query", help="query an event store (dyads, events, actors, ...)",
        description="Query an event store: dyad time series, events, top actors, the actor "
                    "network, places, one event with its evidence, one document, statistics.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=QUERY_MODES, help="what to show")
    p.add_argument("id", nargs="?", help="event id (query event) or document id (query document)")
    _db_arg(p)
    _filter_args(p)
    p.add_argument("--by", choices=["day", "week", "month", "year"], default="month",
                   help="period of a dyad series (default month)")
    p.add_argument("--split", action="store_true",
                   help="dyads: one series per actual source/target pair")
    p.add_argument("--level", choices=["code", "country"], default="code",
                   help="dyads --split / network: group actors by full code or by country")
    p.add_argument("--top", type=int, default=20, help="actors: how many (default 20)")
    p.add_argument("--limit", type=int, default=None,
                   help="events/network/places: at most this many rows (default 50)")
    p.add_argument("--offset", type=int, default=0, help="events: skip this many rows")
    p.add_argument("--order", default="-date",
                   help="events: -date (default), date, -mentions, mentions, -goldstein, goldstein")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default table)")
    p.set_defaults(func=_guard(cmd_query))

    p = subparsers.add_parser(
        "export", help="export an event store: GDELT, PLOVER, CSV or Parquet",
        description="Write the events of a store (optionally filtered) as the GDELT 2.0 event "
                    "table (tab-separated), PLOVER JSON lines, CSV or Parquet. See docs/store.md "
                    "for the column mappings.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _db_arg(p)
    p.add_argument("--format", choices=["gdelt", "plover", "csv", "parquet"], required=True)
    p.add_argument("-o", "--output", default="-",
                   help="output file (default: stdout; parquet needs a file)")
    p.add_argument("--table", choices=["events", "mentions", "documents"], default="events",
                   help="csv/parquet: which table (default events)")
    p.add_argument("--header", action="store_true", help="gdelt: write a header line")
    p.add_argument("--all-codes", action="store_true",
                   help="plover: also events with no PLOVER category (CAMEO 01, 02)")
    _filter_args(p)
    p.set_defaults(func=_guard(cmd_export))

    p = subparsers.add_parser(
        "recode", help="re-code stored documents after the coder or dictionaries changed",
        description="Re-code the documents of a store whose coder version differs from this "
                    "whowhom's (all of them with --force) and replace their events; each batch "
                    "is one transaction, so an interrupted recode resumes where it stopped.")
    _db_arg(p)
    if add_coder_options is not None:
        add_coder_options(p, date=False)
    else:
        p.add_argument("--actors", default=None)
    p.add_argument("--force", action="store_true", help="re-code every document")
    p.add_argument("--batch-size", type=int, default=64, help="documents per transaction")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_guard(cmd_recode))


# --- ingest -----------------------------------------------------------------------------------

def _make_coder(args: argparse.Namespace) -> Any:
    try:
        from whowhom.cli import make_coder
    except ImportError:
        make_coder = None
    if make_coder is not None and hasattr(args, "patterns"):
        try:
            return make_coder(args)
        except Exception as exc:  # the CLI's UserError and friends: a message, not a traceback
            if type(exc).__name__ == "UserError":
                raise CommandError(str(exc)) from None
            raise
    from whowhom.pipeline import Coder
    return Coder(actors_file=getattr(args, "actors", None))


def _coder_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kw: dict[str, Any] = {"actors_file": getattr(args, "actors", None)}
    if hasattr(args, "patterns"):
        kw.update(patterns_files=args.patterns, prefilter=not args.no_prefilter,
                  min_confidence=args.min_confidence)
    return kw


def cmd_ingest(args: argparse.Namespace) -> int:
    """whowhom ingest PATHS --db FILE"""
    from whowhom.records import Document, ReadError
    from whowhom.store import Store

    db = _need_db(args)
    for path in args.paths:
        if path != "-" and not os.path.exists(path):
            raise CommandError(f"{path}: no such file or folder")
    if args.date:
        from whowhom.store.queries import _period_bound
        if len(args.date) != 10:
            raise CommandError(f"--date {args.date!r} is not a date; use YYYY-MM-DD")
        _period_bound(args.date, False, "--date")
    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    progress = False if args.quiet else None
    store = Store(db, batch_size=args.batch_size, dedup_window_days=args.window)

    if args.from_parquet:
        for path in args.paths:
            if path == "-":
                raise CommandError("--from-parquet reads shard folders or .parquet files, not stdin")
        stats = store.add_shards(args.paths, progress=progress)
        if not args.quiet:
            print(f"whowhom: {db}: {stats.summary()}", file=sys.stderr)
        return 0

    read_errors = 0
    skipped_stored = 0

    def report(where: str, why: str) -> None:
        nonlocal read_errors
        read_errors += 1
        print(f"whowhom: skipped {where}: {why}", file=sys.stderr)

    stored = store.stored_hashes()
    workers = args.workers if args.workers is not None else 1
    if workers != 1:
        try:
            from whowhom.parallel.run import iter_coded
        except ImportError:
            raise CommandError("parallel coding is not available in this install; "
                               "use --workers 1") from None

        def keep(doc: Document) -> bool:
            nonlocal skipped_stored
            if doc.content_hash in stored:
                skipped_stored += 1
                return False
            return True

        def pairs_parallel() -> Any:
            for item in iter_coded(args.paths, default_date=args.date,
                                   coder_kwargs=_coder_kwargs(args), workers=workers, keep=keep):
                if isinstance(item, ReadError):
                    report(item.source, item.message)
                else:
                    yield item
        pairs = pairs_parallel()
    else:
        from whowhom.ingest import read_documents
        coder = _make_coder(args)

        def docs() -> Any:
            nonlocal skipped_stored
            for item in read_documents(args.paths, default_date=args.date):
                if isinstance(item, ReadError):
                    report(item.source, item.message)
                elif item.content_hash in stored:
                    skipped_stored += 1
                else:
                    yield item
        pairs = coder.code_many(docs())
    stats = store.add(pairs, progress=progress)
    stats.read_errors = read_errors
    stats.documents_skipped += skipped_stored
    if not args.quiet:
        print(f"whowhom: {db}: {stats.summary()}", file=sys.stderr)
    if read_errors and not stats.documents_seen and not skipped_stored:
        print("whowhom: no document could be read", file=sys.stderr)
        return 2
    return 1 if read_errors else 0


# --- query ------------------------------------------------------------------------------------

def cmd_query(args: argparse.Namespace) -> int:
    """whowhom query MODE --db FILE [filters]"""
    from whowhom.store import Store

    db = _need_db(args)
    store = Store(db, read_only=True)
    filters = _filters(args)
    mode = args.mode
    limit = args.limit if args.limit is not None else 50
    if mode == "dyads":
        rows = store.dyads(by=args.by, split=args.split, level=args.level, **filters)
    elif mode == "events":
        rows = store.events(limit=limit, offset=args.offset, order=args.order, **filters)
    elif mode == "actors":
        rows = store.actors(top=args.top, **filters)
    elif mode == "network":
        rows = store.network(level=args.level, limit=limit, **filters)
    elif mode == "places":
        rows = store.places(limit=limit, **filters)
    elif mode in ("event", "document"):
        if not args.id:
            raise CommandError(f"query {mode} needs an id: whowhom query {mode} ID --db {db}")
        item = store.event(args.id) if mode == "event" else store.document(args.id)
        if item is None:
            raise CommandError(f"{db}: no {mode} with id {args.id!r}")
        if args.format == "json":
            print(json.dumps(item, ensure_ascii=False, indent=1, default=str))
            return 0
        nested = item.pop("mentions" if mode == "event" else "events")
        text = item.pop("text", None)
        _emit([item], args.format, None)
        if text is not None and args.format == "table":
            print()
            print(text)
        print()
        _emit(nested, args.format, _TABLE_COLUMNS["mentions"])
        return 0
    else:  # stats
        info = store.stats()
        if args.format == "json":
            print(json.dumps(info, indent=1, default=str))
        else:
            meta = info.pop("meta")
            _emit([{**info, **{f"meta.{k}": v for k, v in meta.items()}}], args.format, None)
        return 0
    _emit(list(rows), args.format, _TABLE_COLUMNS.get(mode))
    return 0


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, list):
        return ", ".join(map(str, v))
    return str(v)


def _emit(rows: list[dict[str, Any]], fmt: str, columns: list[str] | None) -> None:
    if fmt == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
        return
    if fmt == "csv":
        if not rows:
            return
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), extrasaction="ignore",
                           lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(v) if isinstance(v, (list, dict)) else v)
                        for k, v in r.items()})
        return
    if not rows:
        print("(no rows)")
        return
    if len(rows) == 1 and columns is None:  # one record: key / value lines
        width = max(len(k) for k in rows[0])
        for k, v in rows[0].items():
            if isinstance(v, dict):
                v = json.dumps(v, default=str)
            print(f"{k:<{width}}  {_fmt(v)}")
        return
    cols = [c for c in (columns or list(rows[0])) if c in rows[0]]
    cells = [[_fmt(r.get(c)) for c in cols] for r in rows]
    cells = [[c if len(c) <= 60 else c[:57] + "..." for c in row] for row in cells]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


# --- export / recode --------------------------------------------------------------------------

def cmd_export(args: argparse.Namespace) -> int:
    """whowhom export --db FILE --format F -o OUT"""
    from whowhom.store import Store

    db = _need_db(args)
    if args.format == "parquet" and args.output == "-":
        raise CommandError("--format parquet needs an output file: -o FILE.parquet")
    store = Store(db, read_only=True)
    n = store.export(args.format, args.output, table=args.table, header=args.header,
                     include_non_plover=args.all_codes, **_filters(args))
    if args.output != "-":
        print(f"whowhom: wrote {n} rows to {args.output}", file=sys.stderr)
    return 0


def cmd_recode(args: argparse.Namespace) -> int:
    """whowhom recode --db FILE"""
    from whowhom.store import Store

    db = _need_db(args)
    if not os.path.exists(db):
        raise CommandError(f"{db}: no such event store")
    store = Store(db, batch_size=args.batch_size)
    coder = _make_coder(args)
    stats = store.recode(coder, force=args.force, progress=False if args.quiet else None)
    if not args.quiet:
        print(f"whowhom: {db}: {stats.summary()}", file=sys.stderr)
    return 0

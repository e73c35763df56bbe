"""whowhom's command line: `whowhom code`, `whowhom eval`, `whowhom actors`, and the store's commands."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from whowhom import __version__

EXAMPLES = """\
examples:
  whowhom code examples/ministers-meet-in-ankara.html       events as JSON lines on stdout
  whowhom code corpus/ --format csv -o events.csv          a folder, recursively
  whowhom code docs.jsonl --format jsonl                   one document per line: id, text, date
  cat page.html | whowhom code - --date 2021-08-20         standard input
  whowhom eval ../shared/gold/petrarch2_gsr_validation.jsonl --show-errors
  whowhom actors lookup "Wang Yi" --date 2021-07-28
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `whowhom code ... | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    except UserError as exc:
        print(f"whowhom: {exc}", file=sys.stderr)
        return 2


class UserError(Exception):
    """A mistake in how whowhom was called or what it was given: a message, not a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whowhom",
        description="Who did what to whom, when and where: political events (CAMEO, PLOVER) from news.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"whowhom {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("code", help="code documents into events (JSON lines, CSV or Parquet)",
                       description="Read articles (.txt, .html, .jsonl, folders, or - for stdin) and write one "
                                   "event per line: who did what to whom, when and where, with the sentence "
                                   "and the rule that coded it.",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="files, folders (read recursively) or - for standard input")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl",
                   help="output format (default: jsonl)")
    p.add_argument("-o", "--output", default=None, help="output file (default: stdout)")
    add_coder_options(p)
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (default 1; 0 = all cores)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local processes, or a Ray cluster (pip install 'whowhom[ray]')")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("eval", help="score the coder on a gold file",
                       description="Score whowhom against a gold JSONL file (formats in ../shared/gold/README.md): "
                                   "event triples (P/R/F1 at root and full-code level), PLOVER event types "
                                   "(accuracy, macro F1) or actor resolution (country accuracy).")
    p.add_argument("gold", nargs="+", help="gold JSONL file(s)")
    p.add_argument("--show-errors", action="store_true", help="list misses and false alarms with their sentences")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--limit", type=int, default=None, help="only the first N rows (for quick checks)")
    add_coder_options(p, date=False)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("actors", help="look up actors in the knowledge base",
                       description="Show how whowhom resolves a name or phrase on a date, and why.")
    asub = p.add_subparsers(dest="actors_command", metavar="ACTION")
    lk = asub.add_parser("lookup", help='resolve a phrase: whowhom actors lookup "Wang Yi" --date 2021-07-28')
    lk.add_argument("text", help='a name or phrase, e.g. "Chinese Foreign Minister Wang Ji"')
    lk.add_argument("--date", default=None, help="the date the phrase refers to (YYYY-MM-DD)")
    lk.add_argument("--context", default=None,
                    help='text around the phrase, e.g. --context "German" for "Defense Minister"')
    lk.add_argument("--actors", default=None, help="your own actors file (YAML) to add or override")
    lk.set_defaults(func=cmd_actors_lookup)

    for module in ("whowhom.store.commands", "whowhom.api.commands", "whowhom.parallel.commands"):
        _register(module, sub)
    return parser


def _register(module: str, sub) -> None:
    """Optional command groups live next to their code; a missing one is simply not offered."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return
        raise
    register = getattr(mod, "register", None)
    if register is not None:
        register(sub)


def add_coder_options(p: argparse.ArgumentParser, date: bool = True) -> None:
    if date:
        p.add_argument("--date", default=None,
                       help="publication date (YYYY-MM-DD) for documents that carry none; relative "
                            "dates (\"last Friday\", \"in July\") are resolved against it")
    p.add_argument("--actors", default=None, help="your own actors file (YAML): adds or overrides actors")
    p.add_argument("--patterns", action="append", default=None,
                   help="your own trigger patterns file (YAML); may be given more than once")
    p.add_argument("--min-confidence", type=float, default=0.0,
                   help="drop events below this confidence (0-1; default 0 keeps all)")
    p.add_argument("--no-prefilter", action="store_true",
                   help="parse every sentence, not only those with a possible actor and trigger")


def make_coder(args):
    from whowhom.actors.kb import ActorFileError
    from whowhom.events.patterns import PatternFileError
    from whowhom.nlp.pipeline import ModelNotFound
    from whowhom.pipeline import Coder

    try:
        return Coder(actors_file=args.actors, patterns_files=args.patterns,
                     prefilter=not args.no_prefilter, min_confidence=args.min_confidence)
    except (ActorFileError, PatternFileError, ModelNotFound) as exc:
        raise UserError(str(exc)) from exc


def _check_date(value: str | None) -> str | None:
    if value is None:
        return None
    from whowhom.ingest import normalise_date

    d = normalise_date(value)
    if d is None:
        raise UserError(f"--date {value!r} is not a date; use YYYY-MM-DD")
    return d


# --------------------------------------------------------------------------------- code ----

def cmd_code(args) -> int:
    from whowhom.ingest import read_documents
    from whowhom.output import EventWriter
    from whowhom.progress import Progress
    from whowhom.records import ReadError

    date = _check_date(args.date)
    if args.workers != 1 or args.engine != "local" or getattr(args, "resume", False) or _is_folder(args.output):
        try:
            from whowhom.parallel.run import run_code
        except ModuleNotFoundError as exc:
            raise UserError("parallel coding is not available in this install") from exc
        return run_code(args)
    coder = make_coder(args)
    progress = Progress(quiet=args.quiet)
    docs_ok = 0
    errors = 0

    def documents():
        nonlocal errors
        for item in read_documents(args.paths, default_date=date):
            if isinstance(item, ReadError):
                errors += 1
                progress.skip(item.source, item.message)
                continue
            yield item

    try:
        writer = EventWriter(args.format, args.output)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    with writer:
        for doc, events in _code_safely(coder, documents(), progress):
            docs_ok += 1
            writer.write(events)
            progress.advance(events=len(events))
    progress.close(documents=docs_ok, events=writer.count, output=args.output)
    if docs_ok == 0:
        print("whowhom: no document could be read", file=sys.stderr)
        return 1
    return 0


def _is_folder(output: str | None) -> bool:
    """`-o shards/` asks for Parquet shards, which the parallel runner writes."""
    from whowhom.parallel.shards import is_folder_target

    return bool(output) and is_folder_target(output)


def _code_safely(coder, docs, progress):
    """Code in chunks; a document that crashes the coder is reported and skipped."""
    chunk: list = []
    for d in docs:
        chunk.append(d)
        if len(chunk) >= 32:
            yield from _chunk(coder, chunk, progress)
            chunk = []
    if chunk:
        yield from _chunk(coder, chunk, progress)


def _chunk(coder, chunk, progress):
    try:
        yield from list(coder.code_many(chunk))
    except Exception:  # one bad document must not sink the batch: retry one by one
        for d in chunk:
            try:
                yield d, coder.code(d)
            except Exception as exc:  # noqa: BLE001 - reported with the document id, then skipped
                progress.skip(d.source or d.id, f"coder failed on document {d.id}: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------- eval ----

def cmd_eval(args) -> int:
    from whowhom.eval.score import (GoldFileError, actor_countries_found, gold_kind, group_errors,
                                    read_gold, score_actors, score_event_types, score_events)

    coder = make_coder(args)
    status = 0
    for gold in args.gold:
        try:
            rows = list(read_gold(gold))
        except GoldFileError as exc:
            raise UserError(str(exc)) from exc
        if args.limit:
            rows = rows[:args.limit]
        if not rows:
            raise UserError(f"{gold}: no rows")
        try:
            kind = gold_kind(rows[0])
        except GoldFileError as exc:
            raise UserError(f"{gold}: {exc}") from exc
        if kind == "events":
            report = score_events(rows, coder.code)
            report.metrics["false_alarms_by_pattern_file"] = group_errors(report.errors)
        elif kind == "event_type":
            report = score_event_types(rows, coder.code)
            with_triggers = score_event_types(rows, coder.code, triggers=coder.triggers)
            report.metrics["sentence_classifier"] = {k: with_triggers.metrics[k]
                                                     for k in ("accuracy", "macro_f1", "coded_share")}
            if args.show_errors:
                report.errors = with_triggers.errors
            if any("actor" in r for r in rows):
                from whowhom.actors.lookup import countries_in_text

                report.metrics.update(actor_countries_found(rows, lambda t: countries_in_text(coder, t)))
        elif kind == "actors":
            from whowhom.actors.lookup import resolve_text

            report = score_actors(rows, lambda t, d, c: resolve_text(coder, t, d, c)[0])
        else:
            print(f"{gold}: a code mapping, not a gold set to score; skipped", file=sys.stderr)
            continue
        _print_report(gold, report, args)
    return status


def _print_report(gold: str, report, args) -> None:
    if args.json:
        out = {"gold": gold, "kind": report.kind, "n": report.n, **report.metrics}
        if args.show_errors:
            out["errors"] = report.errors
        print(json.dumps(out, indent=2))
        return
    print(f"== {gold} ({report.kind}, {report.n} rows)")
    m = report.metrics
    if report.kind == "events":
        for level in ("root", "full_code"):
            r = m[level]
            print(f"  {level:10s} P {r['precision']:.3f}  R {r['recall']:.3f}  F1 {r['f1']:.3f}  "
                  f"(tp {r['tp']}, fp {r['fp']}, fn {r['fn']})")
        print("  precision by confidence threshold (root level):")
        for t, c in m["precision_at_confidence"].items():
            print(f"    >= {t}: P {c['precision']:.3f}  R {c['recall']:.3f}  ({c['events']} events)")
    elif report.kind == "event_type":
        print(f"  events only:          accuracy {m['accuracy']:.3f}  macro F1 {m['macro_f1']:.3f}  "
              f"(an event in {m['coded_share']:.1%} of sentences)")
        sc = m.get("sentence_classifier")
        if sc:
            print(f"  with trigger fallback: accuracy {sc['accuracy']:.3f}  macro F1 {sc['macro_f1']:.3f}  "
                  f"(a type for {sc['coded_share']:.1%} of sentences)")
        print("  per label (events only):")
        for lab, r in m["per_label"].items():
            print(f"    {lab:10s} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}")
        if "actor_country_recall" in m:
            print(f"  actor countries found in the sentence: {m['actor_country_recall']:.3f} of {m['actors']}"
                  f" (most missed: {m['most_missed']})")
    elif report.kind == "actors":
        print(f"  country accuracy {m['country_accuracy']:.3f}"
              + (f"  sector accuracy {m['sector_accuracy']:.3f} (n={m['sector_n']})" if m.get("sector_accuracy") is not None else ""))
    if args.show_errors:
        print(f"  -- errors ({len(report.errors)})")
        for e in report.errors:
            print("  " + json.dumps(e, ensure_ascii=False))


# ------------------------------------------------------------------------------- actors ----

def cmd_actors_lookup(args) -> int:
    from whowhom.actors.lookup import resolve_text

    class _A:
        actors = args.actors
        patterns = None
        no_prefilter = False
        min_confidence = 0.0

    coder = make_coder(_A)
    date = _check_date(args.date)
    actor, why = resolve_text(coder, args.text, date, args.context)
    if actor is None:
        print(f"{args.text!r}: not resolved ({why})")
        return 1
    print(json.dumps({"text": args.text, "date": date, "context": args.context, "code": actor.code, "country": actor.country,
                      "sector": actor.sector, "name": actor.name, "resolved_by": actor.resolved_by,
                      "why": why}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

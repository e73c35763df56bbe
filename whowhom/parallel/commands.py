"""Command-line options for parallel runs, added to `whowhom code` (see whowhom.cli._register)."""
from __future__ import annotations

from whowhom.parallel.scheduler import DEFAULT_CHUNK


def register(sub) -> None:
    """No new command: `whowhom code` gains --resume and --chunk-size (used with --workers/--engine)."""
    code = getattr(sub, "choices", {}).get("code")
    if code is None:
        return
    known = {opt for action in code._actions for opt in action.option_strings}
    if "--resume" not in known:
        code.add_argument("--resume", action="store_true",
                          help="continue a run that stopped: with -o FILE.jsonl/.csv (from its "
                               ".whowhom-resume.json checkpoint) or -o FOLDER/ (Parquet shards); "
                               "needs --workers N or --engine ray")
    if "--chunk-size" not in known:
        code.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, metavar="N",
                          help=f"documents per chunk handed to a worker, and per shard with -o FOLDER/ "
                               f"(default {DEFAULT_CHUNK})")

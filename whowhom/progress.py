"""Progress on long runs: a bar with documents/second and ETA on a terminal, quiet otherwise."""
from __future__ import annotations

import sys
from collections import Counter


class Progress:
    def __init__(self, quiet: bool = False, total: int | None = None, unit: str = "doc"):
        self.quiet = quiet
        self.skipped: Counter[str] = Counter()
        self.events = 0
        self._bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit=unit, dynamic_ncols=True, file=sys.stderr)

    def advance(self, n: int = 1, events: int = 0) -> None:
        self.events += events
        if self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(events=self.events, refresh=False)

    def skip(self, where: str, why: str) -> None:
        """A document that could not be read or coded: always reported, never fatal."""
        self.skipped[why.split(":")[0]] += 1
        msg = f"whowhom: skipped {where}: {why}"
        if self._bar is not None:
            self._bar.write(msg, file=sys.stderr)
        else:
            print(msg, file=sys.stderr)

    def close(self, documents: int, events: int, output: str | None = None) -> None:
        if self._bar is not None:
            self._bar.close()
        if self.quiet:
            return
        skipped = sum(self.skipped.values())
        where = f" to {output}" if output and output != "-" else ""
        print(f"whowhom: {documents} documents coded, {skipped} skipped, {events} events written{where}",
              file=sys.stderr)
        for why, n in self.skipped.most_common():
            print(f"  skipped {n}: {why}", file=sys.stderr)

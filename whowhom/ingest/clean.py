"""Dropping page furniture that survives extraction ("Source Link", "Leave a Reply" ...)."""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def clutter_patterns() -> tuple[re.Pattern[str], ...]:
    text = resources.files("whowhom.data").joinpath("clutter.txt").read_text(encoding="utf-8")
    return tuple(re.compile(rf"^(?:{line.strip()})$", re.IGNORECASE)
                 for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_clutter(line: str) -> bool:
    s = line.strip()
    return bool(s) and any(p.match(s) for p in clutter_patterns())


def strip_clutter(text: str) -> str:
    """The text without clutter lines and without trailing blank lines.

    The returned text is the document that every offset in an event points into, so it is
    what the store keeps.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [ln for ln in lines if not is_clutter(ln)]
    while kept and (not kept[-1].strip()):
        kept.pop()
    return "\n".join(kept).strip("\n") + "\n" if kept else ""

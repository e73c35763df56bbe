"""Combat or not: moving conventional-force codes (19) to unconventional violence (18) by who
acts on whom (rules in data/violence.yaml)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from whowhom.records import Actor


@dataclass(frozen=True)
class Unconventional:
    from_codes: frozenset[str]
    to_code: str
    source_sectors: frozenset[str]
    target_sectors: frozenset[str]

    def code_for(self, code: str, source: Actor, target: Actor) -> str:
        """`to_code` for a conventional-force code whose source is no army and whose target
        is civilian; the code unchanged otherwise."""
        if code in self.from_codes and source.sector in self.source_sectors \
                and target.sector in self.target_sectors:
            return self.to_code
        return code


@lru_cache(maxsize=1)
def load_unconventional() -> Unconventional:
    text = resources.files("whowhom.data").joinpath("violence.yaml").read_text(encoding="utf-8")
    spec = (yaml.safe_load(text) or {})["unconventional"]
    return Unconventional(frozenset(str(c) for c in spec["from_codes"]), str(spec["to_code"]),
                          frozenset(spec["source_sectors"]), frozenset(spec["target_sectors"]))

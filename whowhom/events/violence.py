"""Who uses force on whom decides the code: riots (145), violent repression (175),
unconventional violence (18) rather than combat (19). Rules in data/violence.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from whowhom.events.rulefile import rule_items
from whowhom.records import Actor

WEAPON_KEYS = {"from_codes", "codes"}
RULE_KEYS = {"name", "why", "from_codes", "to_code", "source_sectors", "target_sectors",
             "source_words", "target_words", "one_sided", "foreign"}


@dataclass(frozen=True)
class ViolenceRule:
    name: str
    from_codes: frozenset[str]
    to_code: str
    source_sectors: frozenset[str] = frozenset()
    target_sectors: frozenset[str] = frozenset()
    source_words: frozenset[str] = frozenset()
    target_words: frozenset[str] = frozenset()
    one_sided: bool = False  # not for an act coded both ways ("fighting between X and Y")
    foreign: bool = False  # only when source and target are of two different known countries

    def applies(self, code: str, source: Actor, target: Actor,
                source_words: frozenset[str], target_words: frozenset[str], mutual: bool = False) -> bool:
        return (code in self.from_codes and not (self.one_sided and mutual)
                and (not self.foreign or bool(source.country and target.country and source.country != target.country))
                and (not self.source_sectors or source.sector in self.source_sectors)
                and (not self.target_sectors or (target.sector or "") in self.target_sectors)
                and (not self.source_words or bool(self.source_words & source_words))
                and (not self.target_words or bool(self.target_words & target_words)))


@dataclass(frozen=True)
class ViolenceRules:
    rules: tuple[ViolenceRule, ...]
    weapon_from: frozenset[str] = frozenset()
    weapons: tuple[tuple[str, str], ...] = ()  # (weapon words, code)

    def weapon_code(self, code: str, weapon: list[str]) -> tuple[str, str] | None:
        """(code, weapon words) for the weapon named by `weapon` ("car bomb", "bomb": most
        specific first) in a plain act of violence; None if it says nothing more."""
        if code not in self.weapon_from:
            return None
        known = dict(self.weapons)
        for words in weapon:
            if words in known:
                return known[words], words
        return None

    def code_for(self, code: str, source: Actor, target: Actor,
                 source_words: frozenset[str] = frozenset(),
                 target_words: frozenset[str] = frozenset(), mutual: bool = False) -> tuple[str, str | None]:
        """(code, name of the rule that changed it) — the first rule that applies, else the
        code unchanged and None. Words are the lower-case words of each side's phrase; `mutual`
        says the act is coded both ways (clashes, fighting between two sides)."""
        for rule in self.rules:
            if rule.applies(code, source, target, source_words, target_words, mutual):
                return rule.to_code, rule.name
        return code, None


def parse_rules(spec: dict, where: str) -> ViolenceRules:
    out = []
    for n, item in rule_items(spec, where, RULE_KEYS, ("from_codes", "to_code")):
        out.append(ViolenceRule(
            name=str(item.get("name") or f"rule {n}"),
            from_codes=frozenset(str(c) for c in item["from_codes"]), to_code=str(item["to_code"]),
            one_sided=bool(item.get("one_sided", False)), foreign=bool(item.get("foreign", False)),
            **{k: frozenset(str(w) for w in item.get(k) or ())
               for k in ("source_sectors", "target_sectors", "source_words", "target_words")}))
    weapons = (spec or {}).get("weapons") or {}
    unknown = set(weapons) - WEAPON_KEYS
    if unknown:
        raise ValueError(f"{where}: weapons: unknown field(s) {', '.join(sorted(unknown))}; "
                         f"allowed: {', '.join(sorted(WEAPON_KEYS))}")
    return ViolenceRules(tuple(out), frozenset(str(c) for c in weapons.get("from_codes") or ()),
                         tuple((str(w).lower(), str(c)) for w, c in (weapons.get("codes") or {}).items()))


@lru_cache(maxsize=1)
def load_violence_rules() -> ViolenceRules:
    text = resources.files("whowhom.data").joinpath("violence.yaml").read_text(encoding="utf-8")
    return parse_rules(yaml.safe_load(text), "violence.yaml")

"""Trigger patterns: which verb or noun, with which object, yields which CAMEO code.

Patterns live in `whowhom/data/patterns/*.yaml` (one file per root code; format in
docs/data-formats.md). Users add their own with `--patterns my_patterns.yaml`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

VERB_DEFAULT_TARGET = ("dobj",)
NOUN_DEFAULT_TARGET = ("prep:on", "prep:against", "prep:with", "prep:to", "prep:between")
SLOT_KINDS = ("dobj", "iobj", "prep:", "object-prep:", "xcomp-dobj", "ccomp-subj", "victims-of-passive",
              "own-country")


class PatternFileError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    code: str
    pos: str  # "verb" | "noun"
    lemma: str
    particle: str | None
    object: frozenset[str] | None
    as_object: frozenset[str] | None  # "describe X as a threat": the lemma after "as"
    in_object: frozenset[str] | None  # "engaged X in a firefight": the lemma after "in"
    subject: frozenset[str] | None  # "troops withdrew from X": the subject's lemma must be one of these
    target: tuple[str, ...]
    reciprocal: bool
    example: str | None
    converse: bool  # the subject receives: the target slot names the source
    where: str  # file and entry number, for `rule` and error messages
    # The object stands alone: "called Macron on Friday" (a telephone call), not "called Macron
    # a liar" (the object with a complement naming what it is called).
    plain_object: bool = False

    @property
    def specificity(self) -> int:
        return ((2 if self.object else 0) + (2 if self.particle else 0) + (2 if self.as_object else 0)
                + (2 if self.in_object else 0) + (2 if self.subject else 0))

    def describe(self) -> str:
        words = self.lemma + (f" {self.particle}" if self.particle else "")
        if self.object:
            words += " +" + "|".join(sorted(self.object)[:3]) + ("…" if len(self.object) > 3 else "")
        if self.as_object:
            words += " as " + "|".join(sorted(self.as_object)[:3]) + ("…" if len(self.as_object) > 3 else "")
        return f"{self.pos}:{words} -> {self.code} ({self.where})"


@dataclass
class PatternSet:
    by_key: dict[tuple[str, str], list[Pattern]]

    def candidates(self, pos: str, lemma: str) -> list[Pattern]:
        return self.by_key.get((pos, lemma), [])

    def lemmas(self) -> set[str]:
        return {lemma for _, lemma in self.by_key}

    def __iter__(self):
        for pats in self.by_key.values():
            yield from pats

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_key.values())


def load_patterns(extra: list[str | Path] | None = None, codes: set[str] | None = None) -> PatternSet:
    """Shipped patterns plus users' files; `codes` (the codebook) validates every code."""
    by_key: dict[tuple[str, str], list[Pattern]] = defaultdict(list)
    folder = resources.files("whowhom.data").joinpath("patterns")
    sources: list[tuple[str, str]] = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            sources.append((item.name, item.read_text(encoding="utf-8")))
    for path in extra or []:
        p = Path(path)
        try:
            sources.append((str(p), p.read_text(encoding="utf-8")))
        except OSError as exc:
            raise PatternFileError(f"{p}: cannot read pattern file ({exc.strerror or exc})") from exc
    for name, text in sources:
        for pat in _parse(name, text, codes):
            by_key[(pat.pos, pat.lemma)].append(pat)
    for pats in by_key.values():
        pats.sort(key=lambda p: -p.specificity)
    return PatternSet(dict(by_key))


def _parse(name: str, text: str, codes: set[str] | None) -> list[Pattern]:
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise PatternFileError(f"{name}:{where} is not valid YAML") from exc
    if not isinstance(data, list):
        raise PatternFileError(f"{name}: expected a list of patterns (see docs/data-formats.md)")
    out = []
    for i, item in enumerate(data, start=1):
        where = f"{name}#{i}"
        out.append(_pattern(item, where, codes))
    return out


@lru_cache(maxsize=1)
def load_word_classes() -> dict[str, frozenset[str]]:
    """Classes an `object:` list may name with "@" (data/word_classes.yaml): name → words."""
    text = resources.files("whowhom.data").joinpath("word_classes.yaml").read_text(encoding="utf-8")
    return {str(k): frozenset(str(w).lower() for w in v) for k, v in (yaml.safe_load(text) or {}).items()}


PATTERN_KEYS = {"code", "verb", "noun", "object", "as", "in", "subject", "target", "reciprocal",
                "converse", "plain_object", "example", "note"}


def _pattern(item: Any, where: str, codes: set[str] | None) -> Pattern:
    if not isinstance(item, dict) or "code" not in item:
        raise PatternFileError(f"{where}: each pattern needs 'code' and 'verb' or 'noun'")
    unknown = set(item) - PATTERN_KEYS
    if unknown:
        raise PatternFileError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}; a pattern "
                               f"has {', '.join(sorted(PATTERN_KEYS))} (a phrasal verb is written "
                               "whole: 'verb: call off')")
    code = str(item["code"])
    if codes is not None and code not in codes:
        raise PatternFileError(f"{where}: {code!r} is not a CAMEO code in the codebook")
    if ("verb" in item) == ("noun" in item):
        raise PatternFileError(f"{where}: give exactly one of 'verb' or 'noun'")
    pos = "verb" if "verb" in item else "noun"
    words = str(item[pos]).strip().lower().split()
    if not words:
        raise PatternFileError(f"{where}: empty {pos}")
    if pos == "noun" and len(words) > 1:
        # "air strike": the head noun is the trigger, the word before it a required compound.
        lemma, particle = words[-1], " ".join(words[:-1])
    else:
        lemma, particle = words[0], (" ".join(words[1:]) or None)
    target = item.get("target") or (VERB_DEFAULT_TARGET if pos == "verb" else NOUN_DEFAULT_TARGET)
    if isinstance(target, str):
        target = [target]
    for slot in target:
        if not str(slot).startswith(SLOT_KINDS):
            raise PatternFileError(f"{where}: unknown target slot {slot!r}; use dobj, iobj, prep:<word>, "
                                   "object-prep:<word>, xcomp-dobj, ccomp-subj or own-country")
    obj = item.get("object")
    for o in _list(obj) if obj else []:
        if str(o).startswith("@") and str(o)[1:] not in load_word_classes():
            raise PatternFileError(f"{where}: unknown word class {o!r} in 'object'; known: "
                                   f"{', '.join('@' + c for c in sorted(load_word_classes()))} (word_classes.yaml)")
    as_obj = item.get("as")
    in_obj = item.get("in")
    subj = item.get("subject")
    return Pattern(code=code, pos=pos, lemma=lemma, particle=particle,
                   object=frozenset(str(o).lower() for o in _list(obj)) if obj else None,
                   as_object=frozenset(str(o).lower() for o in _list(as_obj)) if as_obj else None,
                   in_object=frozenset(str(o).lower() for o in _list(in_obj)) if in_obj else None,
                   subject=frozenset(str(o).lower() for o in _list(subj)) if subj else None,
                   target=tuple(str(s) for s in target), reciprocal=bool(item.get("reciprocal", False)),
                   example=item.get("example"), converse=bool(item.get("converse", False)), where=where,
                   plain_object=bool(item.get("plain_object", False)))


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]

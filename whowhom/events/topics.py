"""What an act is about or for refines its code: the charge of an accusation (1121-1125), the
kind of aid (071-073), the peacekeeping purpose of a deployment (074). Rules in data/topics.yaml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from spacy.tokens import Token

from whowhom.events.rulefile import rule_items

RULE_KEYS = {"name", "why", "from_codes", "to_code", "preps", "words"}


@dataclass(frozen=True)
class TopicRule:
    name: str
    from_codes: frozenset[str]
    to_code: str
    preps: frozenset[str]
    words: frozenset[str]


@dataclass(frozen=True)
class TopicRules:
    rules: tuple[TopicRule, ...]

    def code_for(self, code: str, trigger: Token) -> tuple[str, str | None]:
        """(code, name of the rule that changed it): the first rule for `code` one of whose words
        is in a phrase its prepositions open on the trigger or its object; else (code, None)."""
        seen: dict[frozenset[str], set[str]] = {}  # the phrases' words, once per set of prepositions
        for rule in self.rules:
            if code not in rule.from_codes:
                continue
            if rule.preps not in seen:
                seen[rule.preps] = _phrase_words(trigger, rule.preps)
            if rule.words & seen[rule.preps]:
                return rule.to_code, rule.name
        return code, None


# The trigger's own phrases and those nested in them ("sent troops to Liberia *on a peacekeeping
# mission*"), but not its subject's ("Kenya, a member *of the human rights council*, accused ...")
# nor its clauses.
_PHRASE_DEPS = {"dobj", "nsubjpass", "prep", "pobj", "pcomp", "agent", "appos", "conj", "npadvmod", "dative"}


def _phrase_words(trigger: Token, preps: frozenset[str]) -> set[str]:
    words: set[str] = set()
    if "object" in preps:  # the direct object's own words: "$500 million in *military aid*"
        for obj in (c for c in trigger.children if c.dep_ == "dobj"):
            _add_words(words, obj.subtree)
    stack = [c for c in trigger.children if c.dep_ in _PHRASE_DEPS]
    if trigger.dep_ == "dobj" and trigger.pos_ == "NOUN":
        # "announced the deployment of troops to Liberia *on a peacekeeping mission*"
        stack += [c for c in trigger.head.children if c.dep_ == "prep"]
    while stack:
        tok = stack.pop()
        if tok.dep_ in ("prep", "agent") and tok.lower_ in preps:
            _add_words(words, (t for t in _own_words(tok) if t is not tok))
        stack.extend(c for c in tok.children if c.dep_ in _PHRASE_DEPS)
    return words


# A clause inside the phrase says something else: "accused Rwanda *of making accusations by
# alleging that Paris played a role in the genocide*" is not a genocide charge against Rwanda.
_OTHER_CLAUSES = {"ccomp", "advcl", "relcl", "acl"}  # (and "a militia *founded by perpetrators of the genocide*")


def _own_words(tok: Token) -> list[Token]:
    out, stack = [], [tok]
    while stack:
        t = stack.pop()
        out.append(t)
        stack.extend(c for c in t.children if c.dep_ not in _OTHER_CLAUSES)
    return out


def _add_words(words: set[str], tokens) -> None:
    """Each token's lemma and form, and "modifier head" pairs ("war crime", "military aid")."""
    for t in tokens:
        words.update((t.lemma_.lower(), t.lower_))
        words.update(f"{m.lower_} {t.lemma_.lower()}" for m in t.children if m.dep_ in ("amod", "compound"))


def parse_rules(spec: dict, where: str) -> TopicRules:
    out = []
    for n, item in rule_items(spec, where, RULE_KEYS, ("from_codes", "to_code", "preps", "words")):
        if not all(isinstance(p, str) for p in item["preps"]):
            raise ValueError(f"{where}: rule {n}: preps must be words; quote \"on\" and \"no\" "
                             "(YAML reads them bare as true/false)")
        out.append(TopicRule(name=str(item.get("name") or f"rule {n}"),
                             from_codes=frozenset(str(c) for c in item["from_codes"]),
                             to_code=str(item["to_code"]),
                             preps=frozenset(str(p).lower() for p in item["preps"]),
                             words=frozenset(str(w).lower() for w in item["words"])))
    return TopicRules(tuple(out))


@lru_cache(maxsize=1)
def load_topic_rules() -> TopicRules:
    text = resources.files("whowhom.data").joinpath("topics.yaml").read_text(encoding="utf-8")
    return parse_rules(yaml.safe_load(text), "topics.yaml")

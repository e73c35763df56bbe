"""Resolving a free-standing phrase ("Chinese Foreign Minister Wang Ji") and explaining why."""
from __future__ import annotations

from whowhom.actors.resolve import DocContext
from whowhom.records import Actor


def resolve_text(coder, text: str, date: str | None) -> tuple[Actor | None, str]:
    doc = coder.nlp(text, disable=["ner"])
    mentions = coder.index.find([t.text for t in doc])
    head = _head(doc)
    if head is None:
        return None, "no words"
    actor = coder.resolver.resolve(head, mentions, DocContext(date), 0, 0, date)
    cues = "; ".join(f"{m.text!r} → " + ", ".join(_entry(e) for e in m.entries) for m in mentions)
    why = f"head word {head.text!r}; dictionary matches: {cues or 'none'}"
    if actor is not None and actor.country is None and actor.name is None and actor.sector is None:
        return None, why
    return actor, why


def _entry(e) -> str:
    if e.kind == "named" and e.named:
        return f"{e.named.kind} {e.named.name}"
    return f"{e.kind} {e.country or ''}{e.sector or ''}"


def _head(doc):
    """The phrase's head: the root of the first sentence, or its subject when the root is a verb."""
    roots = [t for t in doc if t.head.i == t.i]
    if not roots:
        return None
    root = roots[0]
    if root.pos_ in ("VERB", "AUX"):
        subj = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subj:
            return subj[0]
    return root


def countries_in_text(coder, text: str) -> set[str]:
    """Every country any actor phrase in the text points to (named actors: any of their roles)."""
    toks = coder.nlp.tokenizer(text)
    out: set[str] = set()
    for m in coder.index.find([t.text for t in toks]):
        for e in m.entries:
            if e.country:
                out.add(e.country)
            elif e.named:
                out.update(r.country for r in e.named.roles if r.country)
    return out

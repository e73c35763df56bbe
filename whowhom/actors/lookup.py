"""Resolving a free-standing phrase ("Chinese Foreign Minister Wang Ji") and explaining why."""
from __future__ import annotations

from dataclasses import replace

from whowhom.actors.resolve import DocContext
from whowhom.records import Actor


def resolve_text(coder, text: str, date: str | None,
                 context: str | None = None) -> tuple[Actor | None, str]:
    """The actor a phrase names on a date, and why. `context` is text around the phrase
    ("German" for "Defense Minister"): where the phrase itself names no country and the
    context names exactly one state, the actor is that state's."""
    actor, why = _resolve_phrase(coder, text, date)
    if context and (actor is None or actor.country is None) and not _is_igo(actor):
        states = _states_named(coder, context)
        if len(states) == 1:
            (country,) = states
            if actor is not None:
                actor = replace(actor, country=country, code=f"{country}{actor.sector or ''}",
                                resolved_by=f"{actor.resolved_by}+context")
            elif any(ch.isupper() for ch in text):
                # A name the dictionary does not know, said to be from that state.
                actor = Actor(text=text, code=country, country=country, sector=None, name=None,
                              start=0, end=len(text), resolved_by="context")
            why += f"; country from the context {context!r}: {country}"
    return actor, why


def _is_igo(actor: Actor | None) -> bool:
    return actor is not None and (actor.code or "").startswith(("IGO", "NGO", "IMG"))


def _states_named(coder, text: str) -> set[str]:
    """States a text names by name, demonym or metonym (not through a named actor's roles)."""
    return {e.country for m in _mentions(coder, text) for e in m.entries
            if e.kind in ("country", "demonym", "metonym") and e.country}


def _mentions(coder, text: str):
    """Dictionary phrases in a text, by the tokenizer alone (no parse needed)."""
    return coder.index.find([t.text for t in coder.nlp.tokenizer(text)])


def _resolve_phrase(coder, text: str, date: str | None) -> tuple[Actor | None, str]:
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
    out: set[str] = set()
    for m in _mentions(coder, text):
        for e in m.entries:
            if e.country:
                out.add(e.country)
            elif e.named:
                out.update(r.country for r in e.named.roles if r.country)
    return out

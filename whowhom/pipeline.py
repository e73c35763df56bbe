"""The coder: documents in, events out.

    coder = Coder()
    for event in coder.code(Document(id="d1", text="...", date="2021-08-20")):
        print(event.source.code, event.code, event.target.code)

One `Coder` holds the loaded models and dictionaries; build it once per process.
"""
from __future__ import annotations

import re

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from whowhom.actors.kb import KnowledgeBase, load_kb
from whowhom.actors.match import Mention, MentionIndex
from whowhom.actors.resolve import (BODY_NOUNS, GROUP_NOUNS, GROUP_PRONOUNS, PAIR_NOUNS, PERSON_PRONOUNS, STATE_NOUNS,
                                    STATE_SECTORS, ActorResolver, DocContext, opposed_by, phrase_text,
                                    phrase_tokens)
from whowhom.dates.resolve import EventDate, event_date, parse_expression, sentence_dates
from whowhom.events.extract import Candidate, find_candidates, load_lemma_fixes, load_modality, weapon_words
from whowhom.events.ontology import Codebook, default_codebook
from whowhom.events.patterns import PatternSet, load_patterns
from whowhom.events.violence import load_violence_rules
from whowhom.nlp.pipeline import Sentence, TriggerFilter, load_nlp, split_sentences
from whowhom.places.gazetteer import Gazetteer
from whowhom.records import Actor, Document, Event, Location, Plover, Trigger, make_event_id

_PRONOUNS = PERSON_PRONOUNS | GROUP_PRONOUNS | {"it"}
# Words that can stand for an actor named earlier ("its neighbouring country", "the militia"):
# enough, with one dictionary mention, for a sentence to be worth parsing.
_REFERRING = _PRONOUNS | {"its", "their"} | STATE_NOUNS | GROUP_NOUNS | {"countries", "militants", "rebels", "rulers"}
LOCATION_TARGET_ROOTS = {"14", "15", "18", "19", "20"}
# Acts of force whose military doer ("warplanes", "troops") is not taken to be of the place they act in.
ARMED_ROOTS = {"15", "17", "18", "19", "20"}
ARMED_SECTORS = {"MIL"}  # (not gunmen, militias: they are mostly local)
# Claiming responsibility for an attack with no named target: the attack's place is the target.
LOCATION_TARGET_CODES = {"015"}


@dataclass(frozen=True)
class TriggerHit:
    sentence_id: int
    code: str
    plover_type: str
    trigger: str
    score: float
    pattern: str


@dataclass
class _SentenceWork:
    doc_index: int
    sentence: Sentence
    tokens: Doc  # tokenised (and, for candidates, parsed) sentence
    mentions: list[Mention]
    candidate: bool
    candidates: list[Candidate] = field(default_factory=list)  # triggers found in the parse


class Coder:
    """Codes documents into events. Not thread-safe; one per process or worker."""

    def __init__(self, actors_file: str | Path | None = None, patterns_files: list[str | Path] | None = None,
                 nlp: Language | None = None, prefilter: bool = True, min_confidence: float = 0.0,
                 batch_size: int = 16):
        self.nlp = nlp or load_nlp()
        self.kb: KnowledgeBase = load_kb(actors_file)
        self.codebook: Codebook = default_codebook()
        self.patterns: PatternSet = load_patterns(patterns_files, codes={c.code for c in self.codebook})
        self.modality = load_modality()
        self.violence = load_violence_rules()
        self.index = MentionIndex(self.kb, self.nlp.tokenizer)
        self.gazetteer = Gazetteer(self.kb)
        self.resolver = ActorResolver(self.kb, place_country=self.gazetteer.country_of)
        self.trigger_filter = TriggerFilter(self.patterns.lemmas(), extra_forms=load_lemma_fixes())
        self.prefilter = prefilter
        self.min_confidence = min_confidence
        self.batch_size = batch_size

    # ------------------------------------------------------------------------------------
    def code(self, doc: Document) -> list[Event]:
        return next(iter(self.code_many([doc])))[1]

    def code_many(self, docs: Iterable[Document], chunk: int = 32) -> Iterator[tuple[Document, list[Event]]]:
        """(document, its events) in input order; sentences of a chunk are parsed together."""
        buf: list[Document] = []
        for d in docs:
            buf.append(d)
            if len(buf) >= chunk:
                yield from self._code_chunk(buf)
                buf = []
        if buf:
            yield from self._code_chunk(buf)

    def _code_chunk(self, docs: list[Document]) -> Iterator[tuple[Document, list[Event]]]:
        for d, items in zip(docs, self._parsed_chunk(docs)):
            yield d, self._events_of(d, items)

    def _parsed_chunk(self, docs: list[Document], any_actors: bool = False) -> list[list[_SentenceWork]]:
        work: list[list[_SentenceWork]] = []
        to_parse: list[_SentenceWork] = []
        for di, d in enumerate(docs):
            sents = split_sentences(d.text)
            items = []
            for s, toks in zip(sents, self.nlp.tokenizer.pipe([s.text for s in sents])):
                mentions = self.index.find([t.text for t in toks])
                item = _SentenceWork(di, s, toks, mentions, self._is_candidate(toks, mentions, any_actors))
                items.append(item)
                if item.candidate:
                    to_parse.append(item)
            work.append(items)
        # The statistical entity recogniser is a third of the parse time and whowhom does not
        # need it: dates, places and names come from whowhom.nlp.spans and the dictionaries.
        skip = [name for name in ("ner",) if name in self.nlp.pipe_names]
        # The tokenised sentences go in as they are: no second tokenisation.
        parsed = self.nlp.pipe([w.tokens for w in to_parse], batch_size=self.batch_size, disable=skip)
        for w, pdoc in zip(to_parse, parsed):
            w.tokens = pdoc  # the same tokenizer made both: mention offsets stay valid
            w.candidates = find_candidates(pdoc, self.patterns, self.modality)
        return work

    def _is_candidate(self, toks: Doc, mentions: list[Mention], any_actors: bool = False) -> bool:
        """Could this sentence hold an event? A trigger word and two possible actors: two
        dictionary mentions, or one with a pronoun or another capitalised name. With
        `any_actors`, a trigger word is enough (the sentence-level view of `triggers`)."""
        if not self.prefilter:
            return True
        if not any(self.trigger_filter.matches(t.text) for t in toks):
            return False
        if any_actors:
            return True
        if any(t.lower_ in PAIR_NOUNS and t.i > 0 and toks[t.i - 1].lower_ in ("two", "both") for t in toks):
            return True
        covered = {i for m in mentions for i in range(m.start, m.end)}
        others = sum(1 for t in toks if t.i not in covered and (
            t.lower_ in _REFERRING or (t.i > 0 and t.text[:1].isupper() and t.is_alpha)
            # "condemned *the decision*": the doer of an act told before
            or ((t.lower_ in self.modality.act_nouns or t.lower_ in BODY_NOUNS)
                and t.i > 0 and toks[t.i - 1].lower_ in ("the", "this", "that"))))
        return len(mentions) + min(others, 1) >= 2

    # ------------------------------------------------------------------------------------
    def triggers(self, doc: Document) -> list[TriggerHit]:
        """Every trigger the patterns find, with or without resolvable actors: a sentence-level
        view of what is said (used to classify sentences by PLOVER type; not events)."""
        hits: list[TriggerHit] = []
        self._events_of(doc, self._parsed_chunk([doc], any_actors=True)[0], hits)
        return hits

    def _events_of(self, doc: Document, items: list[_SentenceWork],
                   hits: list[TriggerHit] | None = None) -> list[Event]:
        ctx = DocContext(doc.date)
        # Where a wire dateline says the story was filed: the place of its domestic events
        # that name no place of their own ("TBILISI — Police detained 20 protesters").
        filed_at = next((self.gazetteer.filed_at(w.sentence.text, w.sentence.start)
                         for w in items[:3] if w.sentence.dateline), None)
        last_date: EventDate | None = None
        last_date_at = -10
        events: list[Event] = []
        for w in items:
            s = w.sentence
            self._remember_mentions(ctx, w, doc.date)
            if not w.candidate or not w.tokens.has_annotation("DEP"):
                found = _explicit_date_in_text(s.text, doc.date)
                if found:
                    last_date, last_date_at = found, s.index
                continue
            sent = w.tokens
            # Background: the text around this sentence is about an earlier time, so the
            # publication date would be a wrong date for an undated past-tense event here.
            historical = (last_date is not None and s.index - last_date_at <= 3 and doc.date is not None
                          and int(last_date.value[:4]) < int(doc.date[:4]) - 1)
            first_new = len(events)
            for cand in w.candidates:
                if hits is not None and not cand.derived:
                    entry = self.codebook.get(cand.code)
                    hits.append(TriggerHit(s.index, entry.code, entry.plover_type, cand.trigger.text,
                                           _trigger_score(cand), cand.pattern.where))
                events.extend(self._events_of_candidate(doc, s, sent, w.mentions, cand, ctx, last_date, historical,
                                                        filed_at, earlier=events))
            for e in events[first_new:]:
                ctx.count_party(e.source)
                ctx.count_party(e.target)
            found = _explicit_date(sent, doc.date)
            if found:
                last_date, last_date_at = found, s.index
        return _dedupe_sentence_events(events, self.min_confidence)

    def _doer_of(self, heads: tuple, earlier: list[Event], s: Sentence) -> Actor | None:
        """The source of the act a bare "the decision", "the arrest", "the attack" refers to: the
        last event of the three sentences before whose kind the noun names."""
        if len(heads) != 1:
            return None
        head = heads[0]
        roots = self.modality.act_nouns.get(head.lemma_.lower())
        if roots is None or not _is_bare_definite(head):
            return None
        text, start, end = phrase_text(head, s.start)
        for e in reversed(earlier):
            if e.sentence_id >= s.index:
                continue
            if e.sentence_id < s.index - 3:
                return None
            if e.root_code in ("10", "11", "12") or e.code == "051":
                continue  # (another reaction is not what "the move" refers to)
            if (roots == "any" or e.root_code in roots.split()) and _usable(e.source):
                return replace(e.source, text=text, start=start, end=end,
                               resolved_by=f"doer-of-earlier-act:{e.event_id}")
        return None

    def _speaker(self, trigger, mentions: list[Mention], ctx: DocContext, s: Sentence,
                 when: str | None) -> Actor | None:
        """Who reports the clause the trigger is in ("*The Israeli army* said warplanes struck"),
        when that is an actor of a known country."""
        node = trigger
        for _ in range(3):
            if node.dep_ == "ccomp" and node.head.lemma_.lower() in self.modality.speech:
                subj = [c for c in node.head.children if c.dep_ == "nsubj"]
                if not subj:
                    return None
                actor = self.resolver.resolve(subj[0], mentions, ctx, s.index, s.start, when)
                return actor if actor is not None and actor.country else None
            if node.head is node:
                return None
            node = node.head
        return None

    def _country_actor(self, country: str, beside: Actor) -> Actor:
        """A state as the other party of its own actor's act (no words of its own in the text)."""
        name = self.kb.country_name(country)
        return Actor(text=beside.text, code=country, country=country, sector=None, name=name,
                     start=beside.start, end=beside.end, resolved_by="own-country")

    def _remember_mentions(self, ctx: DocContext, w: _SentenceWork, date: str | None) -> None:
        for m in w.mentions:
            tok = w.tokens[m.start]
            start = w.sentence.start + tok.idx
            end = w.sentence.start + w.tokens[m.end - 1].idx + len(w.tokens[m.end - 1].text)
            for e in m.entries:
                if e.kind == "named" and e.named:
                    role = e.named.role_on(date)
                    if role is None:
                        continue
                    actor = Actor(text=m.text, code=role.actor_code, country=role.country, sector=role.sector,
                                  name=e.named.name, start=start, end=end, resolved_by="dictionary")
                    ctx.remember(actor, w.sentence.index, named=e.named,
                                 plural=e.named.kind == "organization" or e.named.plural)
                    break
                if e.kind in ("country", "metonym"):
                    name = self.kb.country_name(e.country)
                    actor = Actor(text=m.text, code=f"{e.country}{e.sector or ''}", country=e.country,
                                  sector=e.sector, name=name, start=start, end=end, resolved_by=e.kind)
                    ctx.remember(actor, w.sentence.index)
                    break
        if w.tokens.has_annotation("DEP"):
            # "Sudan's army", "the Sudanese army": a sector of a named country, for "the army" later.
            for m in w.mentions:
                sector = next((e.sector for e in m.entries if e.kind == "sector" and e.sector), None)
                if sector is None:
                    continue
                head = w.tokens[m.end - 1]
                # ... and "the government of President Maduro", "the army of Sudan"
                of_objects = [g for p in head.children if p.dep_ == "prep" and p.lower_ == "of"
                              for g in p.children if g.dep_ == "pobj"]
                owners = [o for c in [*(c for c in head.children if c.dep_ in ("poss", "amod", "compound")),
                                      *of_objects] for o in w.mentions if o.covers(c.i)]
                country = next((e.country for o in owners for e in o.entries
                                if e.kind in ("country", "demonym") and e.country), None) or next(
                    (role.country for o in owners for e in o.entries if e.kind == "named" and e.named
                     for role in [e.named.role_on(date)] if role is not None and role.country), None)
                if country:
                    first = w.tokens[min(m.start, min(o.start for o in owners))]
                    start = w.sentence.start + first.idx
                    ctx.remember(Actor(text=m.text, code=f"{country}{sector}", country=country, sector=sector,
                                       name=None, start=start, end=start + len(m.text), resolved_by="sector+country"),
                                 w.sentence.index)

    def _events_of_candidate(self, doc: Document, s: Sentence, sent: Doc, mentions: list[Mention],
                             cand: Candidate, ctx: DocContext, last_date: EventDate | None,
                             historical: bool = False, filed_at: Location | None = None,
                             earlier: list[Event] | None = None) -> list[Event]:
        date = event_date(sent, cand.trigger, doc.date, last_date, skip=set())
        when = date.value if date else doc.date
        sources = [a for t in cand.sources for a in self.resolver.resolve_all(t, mentions, ctx, s.index, s.start, when)]
        if cand.source_sectors:
            sources = [a for a in sources if a.sector in cand.source_sectors]
        targets: list[Actor] = []
        target_tokens = cand.targets
        # The words of the target as the sentence names it, before an owner stands in for it
        # ("rioters in the Egyptian square"): violence.yaml rules read them.
        target_words = _words(cand.targets)
        for slot, heads in cand.target_options:
            named_heads = heads
            targets = [a for t in heads for a in self.resolver.resolve_all(t, mentions, ctx, s.index, s.start, when)]
            if not any(_usable(a) for a in targets):
                # "rejected a proposal from Hamas", "endorsed an agreement with the EU",
                # "condemned Israel's settlement plan": the actor behind the thing acted on.
                owners = [o for t in heads for o in _owners(t)]
                if owners:
                    described = targets
                    targets = [a for t in owners for a in self.resolver.resolve_all(t, mentions, ctx, s.index, s.start, when)]
                    places = [a for a in targets if a.country and a.sector is None and a.name is not None]
                    if described and places and all(a.sector and a.country is None for a in described):
                        # "12 villagers in Zamfara state": Nigerian villagers, not the state
                        targets = [replace(a, country=places[0].country, code=f"{places[0].country}{a.sector}",
                                           resolved_by=f"{a.resolved_by}+place") for a in described]
                    elif any(_usable(a) for a in targets):
                        heads = tuple(owners)
                        slot = f"{slot}>owner"
            if any(_usable(a) for a in targets):
                if heads != cand.targets:
                    cand = replace(cand, targets=heads, path=cand.path.rsplit("target=", 1)[0] + f"target={slot}")
                target_tokens = heads
                target_words = _words(named_heads)
                break
        if not any(_usable(a) for a in targets) and earlier and cand.code[:2] in self.modality.reaction_roots:
            # "Iran barred UN inspectors ... Grossi condemned *the decision*": a reaction to an
            # act told just before is aimed at whoever did it.
            for slot, heads in cand.target_options:
                doer = self._doer_of(heads, earlier, s)
                if doer is not None:
                    targets, target_tokens = [doer], heads
                    cand = replace(cand, path=cand.path.rsplit("target=", 1)[0] + f"target={slot}>doer-of-earlier-act")
                    break
        if not any(_usable(a) for a in targets) and "own-country" in cand.pattern.target:
            # "President X resigned": an act towards the actor's own state.
            targets = [self._country_actor(a.country, a) for a in sources[:1] if a.country]
            if targets:
                cand = replace(cand, path=cand.path.rsplit("target=", 1)[0] + "target=own-country")
        if not any(_usable(a) for a in targets) and cand.code[:2] in self.modality.opposed_target_roots:
            # "Opponents of Rwanda's Senate protested": against what they oppose.
            opposed = tuple(o for o in (opposed_by(t) for t in cand.sources) if o is not None)
            against = [a for t in opposed for a in self.resolver.resolve_all(t, mentions, ctx, s.index, s.start, when)]
            if against:
                targets, target_tokens = against, opposed
                cand = replace(cand, path=cand.path.rsplit("target=", 1)[0] + "target=opposed-by-source")
        pairs: list[tuple[Actor, Actor]] = []
        both_ways = cand.mutual and not cand.pattern.converse
        mediators: list[Actor] = []
        outsiders = [a for a in sources if all(a.code != t.code for t in targets)]
        if (cand.pattern.pos == "noun" and cand.code in self.modality.mediated and "source=nsubj-of" in cand.path
                and "target=prep:between" in cand.path and len({t.code for t in targets}) > 1 and outsiders):
            # "Egypt hosted talks between Israel and Hamas": the two talk, the host mediates.
            # ("talks between the military and rebel groups": the rebels are the military's
            # country's, not the host's, whose city the talks are in)
            states = {a.country for a in targets if a.country and a.sector in STATE_SECTORS}
            if len(states) == 1:
                home = next(iter(states))
                targets = [replace(a, country=home, code=f"{home}{a.sector}", resolved_by=f"{a.resolved_by}+talks-partner")
                           if _sector_only(a) and a.sector else a for a in targets]
            pairs = [(a, b) for a in targets for b in targets if a is not b]
            pairs += [(m, t) for m in outsiders for t in targets]
            mediators = outsiders
        elif sources and targets:
            pairs = [(a, b) for a in sources for b in targets]
            if cand.pattern.converse:  # "X received weapons from Y": Y gave them to X
                pairs = [(b, a) for a, b in pairs]
            elif cand.mutual:  # "X held talks with Y": Y held talks with X too
                pairs += [(b, a) for a, b in pairs]
        elif cand.pattern.reciprocal:
            # "Egypt and Sudan signed an agreement", "talks between X and Y": each with each.
            group = sources if len(sources) > 1 else targets if not sources else []
            pairs = [(a, b) for a in group for b in group if a is not b]
            both_ways = True
        if not pairs and sources and (cand.code[:2] in LOCATION_TARGET_ROOTS or cand.code in LOCATION_TARGET_CODES):
            # A protest, a show of force or an attack with no named target is aimed at the
            # place it happens, as CAMEO codes it: protesters "in Beijing" protest against China.
            loc = self.gazetteer.locate(sent, cand.trigger, {t.i for a in cand.sources for t in phrase_tokens(a)}, s.start)
            if loc is not None and loc.country:
                place = Actor(text=loc.name, code=loc.country, country=loc.country,
                              name=self.kb.country_name(loc.country),
                              start=loc.start, end=loc.end, resolved_by="location")
                # (not a state's own forces at home: "the army repelled an attack on Goma" is
                # not against Congo; the enemy is unnamed)
                pairs = [(a, place) for a in sources
                         if not (a.country == loc.country and a.sector in STATE_SECTORS)]
            elif loc is None and cand.code[:2] in self.modality.own_state_roots:
                # ... and with no place named, a people's protest or strike is at home, against
                # their own state: "Serbian workers began a strike over the labour bill"
                pairs = [(a, self._country_actor(a.country, a)) for a in sources
                         if a.country and a.sector and a.sector not in STATE_SECTORS
                         and not (a.resolved_by or "").startswith(("dictionary", "surname"))]
        if not pairs:
            return []
        skip = {t.i for a in [*cand.sources, *target_tokens] for t in phrase_tokens(a)}
        if date is None:
            date = event_date(sent, cand.trigger, doc.date, last_date, skip=skip)
        undated = date is None and historical and _past(cand.trigger)
        location = self.gazetteer.locate(sent, cand.trigger, skip, s.start)
        home = location.country if cand.meeting and location is not None else None
        if home:
            # "X met Y in X's country": Y's visit is an event too (the other half of the pair).
            pairs += [(b, a) for a, b in pairs if a.country and b.country and a.country != b.country
                      and home in (a.country, b.country) and not any(x is b and y is a for x, y in pairs)]
        trig = cand.trigger
        trigger = Trigger(text=trig.text, start=s.start + trig.idx, end=s.start + trig.idx + len(trig.text),
                          lemma=trig.lemma_.lower())
        out = []
        source_words = _words(cand.sources)
        weapon = weapon_words(cand.trigger) if cand.mood == "asserted" else []
        by_weapon = self.violence.weapon_code(cand.code, weapon)

        def words_of(a: Actor) -> frozenset[str]:  # (pairs may run either way: "clashed with")
            return source_words if any(a is x for x in sources) else \
                target_words if any(a is x for x in targets) else frozenset()

        speaker = self._speaker(cand.trigger, mentions, ctx, s, when)
        for src, tgt in pairs:
            src_words, tgt_words = words_of(src), words_of(tgt)
            if (speaker is not None and _sector_only(src) and src.sector == speaker.sector
                    and any(src is a for a in sources)):
                # "The Israeli army said warplanes struck ...": the speaker's own forces
                src = replace(src, country=speaker.country, code=f"{speaker.country}{src.sector}",
                              resolved_by=f"{src.resolved_by}+speaker")
            # (the mediator's city hosts the talks: the parties are not its people)
            if location is not None and location.country not in {m.country for m in mediators}:
                # (armed forces fight abroad: "warplanes struck targets in Gaza" are not Gaza's)
                armed_abroad = cand.code[:2] in ARMED_ROOTS and src.sector in ARMED_SECTORS
                src = src if armed_abroad else _fill_country(src, location)
                tgt = _fill_country(tgt, location)
            elif location is None and filed_at is not None and all(
                    _sector_only(a) or a.country == filed_at.country for a in (src, tgt)):
                # only for a domestic event there: "BRUSSELS -- the EU condemned the repression of
                # activists" is not about Belgian activists
                src, tgt = _fill_country(src, filed_at), _fill_country(tgt, filed_at)
            where = location if location is not None else filed_at if (
                filed_at is not None and src.country == tgt.country == filed_at.country) else None
            if cand.code[:2] in self.modality.own_state_roots:
                tgt = _own_state(tgt, src, self.modality.own_state_sectors)
            if not (_usable(src) and (_usable(tgt) or tgt.sector)) and not (_usable(tgt) and src.sector):
                continue
            if src.code == tgt.code:
                continue
            if "target=object-owner" in cand.path and tgt.country and tgt.country == src.country:
                continue  # "sent Israeli jets": the sender's own, not the recipient
            visitor = tgt if cand.code in self.modality.host_guest else src  # a host's guest is the target
            if cand.code in self.modality.visit_codes and not _can_visit(visitor, sent, s.start, self.modality):
                continue
            code, moved_by = self.violence.code_for(by_weapon[0] if by_weapon else cand.code, src, tgt,
                                                    src_words, tgt_words, both_ways)
            note = ""
            if any(src is m for m in mediators):
                code = self.modality.mediated[cand.code]
                note = f"; {cand.code}->{code}: a third party's talks between others (modality.yaml mediated)"
            if by_weapon and not moved_by:
                moved_by = f"weapons: {by_weapon[1]}"
            if (code in self.modality.third_location and location is not None and location.country
                    and src.country and tgt.country and location.country not in (src.country, tgt.country)):
                code, note = self.modality.third_location[code], f"; {code}->{self.modality.third_location[code]}: " \
                    f"met in a third country, {location.country} (modality.yaml third_location)"
            elif (home and code in self.modality.home_location and src.country and tgt.country
                  and src.country != tgt.country and home in (src.country, tgt.country)):
                host = self.modality.home_location[code]
                new = host if home == src.country else self.modality.host_guest[host]
                code, note = new, f"; {code}->{new}: met in {'its own' if new == host else 'the other'} " \
                    f"country, {home} (modality.yaml home_location)"
            entry = self.codebook.get(code)
            confidence = _confidence(cand, src, tgt, s, date)
            rule = (f"{cand.pattern.describe()}; {cand.path}"
                    + (f"; {cand.mood} via '{cand.governor.text}'" if cand.governor is not None else
                       f"; {cand.mood}" if cand.mood != "asserted" else "")
                    + (f"; {cand.code}->{entry.code}: violence.yaml rule '{moved_by}'" if moved_by else "") + note)
            out.append(Event(
                event_id=make_event_id(doc.id, s.index, trigger.start, src.code, tgt.code, entry.code),
                doc_id=doc.id, sentence_id=s.index, sentence=s.text, source=src, target=tgt,
                code=entry.code, root_code=entry.root, label=entry.name, goldstein=entry.goldstein,
                quad_class=entry.quad_class,
                plover=Plover(event_type=entry.plover_type, mode=entry.plover_mode),
                trigger=trigger, confidence=confidence, rule=rule,
                date=date.value if date else None if undated else doc.date,
                date_precision=date.precision if date else None if undated else ("day" if doc.date else None),
                date_source=(date.source if date else "unresolved: background to an earlier date" if undated
                             else "publication" if doc.date else None),
                date_text=date.text if date else None,
                location=where, sentence_start=s.start, sentence_end=s.end))
        return out


OWNER_PREPS = ("from", "by", "with", "of", "between", "in")


MADE_VERBS = {"import", "make", "produce", "manufacture", "export", "ship", "build", "grow"}


def _owners(tok) -> list:
    """Whose a thing is: its possessor, or the object of from/by/with/of/between, or where it
    is ("a summit on the unrest *in Iran*")."""
    if tok.pos_ not in ("NOUN",):
        return []
    out = [c for c in tok.children if c.dep_ == "poss"]
    # "tariffs on electric vehicles *imported from China*", "steel *made in China*"
    made = [c for c in tok.children if c.dep_ == "acl" and c.tag_ == "VBN" and c.lemma_.lower() in MADE_VERBS]
    for prep in [*tok.children, *(p for m in made for p in m.children)]:
        if prep.dep_ == "prep" and prep.lower_ in OWNER_PREPS:
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    out.append(obj)
                    out.extend(c for c in obj.conjuncts if c.i > obj.i)
    return out


def _can_visit(visitor: Actor, sent: Doc, offset: int, modality) -> bool:
    """A visitor is a state, a body or a person, not "migrants" or "a cargo plane"."""
    if visitor.sector in modality.not_visitor_sectors:
        return False
    inside = [t for t in sent if visitor.start <= offset + t.idx < visitor.end]
    heads = [t for t in inside if not (t.head in inside and t.head is not t)]
    return not any(t.lemma_.lower() in modality.not_visitors or t.lower_ in modality.not_visitors for t in heads)


def _words(heads) -> frozenset[str]:
    return frozenset(t.lower_ for h in heads for t in phrase_tokens(h))


def _past(tok) -> bool:
    """Past tense, also "did resume" and "had signed"."""
    return tok.tag_ in ("VBD", "VBN") or any(c.dep_ == "aux" and c.tag_ == "VBD" for c in tok.children)


def _usable(a: Actor) -> bool:
    """An actor an analyst can use: a country or a named body. The other side of an event may
    be known only by its sector ("---REB", "insurgents"), as CAMEO codes it."""
    return bool(a.country) or (not a.code.startswith("---") and a.name is not None)


def _sector_only(a: Actor) -> bool:
    return a.country is None and a.name is None


def _fill_country(a: Actor, location) -> Actor:
    """'Muslims in Xinjiang' are Chinese: a sector without nationality takes the event's country."""
    if (_sector_only(a) and a.sector and a.resolved_by in ("sector", "opponents-of", "sector+supporters")
            and location is not None and location.country):
        return replace(a, country=location.country, code=f"{location.country}{a.sector}",
                       resolved_by=f"{a.resolved_by or 'sector'}+location")
    return a


def _own_state(tgt: Actor, src: Actor, sectors: frozenset[str]) -> Actor:
    """'Kenyan teachers struck against the government': their own government."""
    if tgt.country is None and tgt.name is None and tgt.sector in sectors and src.country:
        return replace(tgt, country=src.country, code=f"{src.country}{tgt.sector}",
                       resolved_by=f"{tgt.resolved_by or 'sector'}+source's state")
    return tgt


def _confidence(cand: Candidate, src: Actor, tgt: Actor, s: Sentence, date: EventDate | None) -> float:
    """How sure the coder is, from what made the decision. Weighted by how often each kind of
    evidence was right on hand-checked sentences: an inherited subject, a passive agent, an
    eventive noun and an actor without a country are where errors concentrate."""
    c = 0.62
    for a in (src, tgt):
        how = a.resolved_by or ""
        if not a.country and not (a.code.startswith(("IGO", "NGO")) and a.name):  # (a named body has none)
            c -= 0.12
        if how.startswith("coref"):
            c -= 0.05
        elif how.startswith(("location", "place", "metonym")):
            c += 0.04
        if "unknown-name" in how:
            c -= 0.05
    path = cand.path
    if "source=nsubj-of" in path or "controller" in path or "modified-noun" in path:
        c -= 0.1
    if "by-agent" in path or "nationality-of-means" in path:
        c -= 0.1
    if "source=nsubj;" in path and ("target=dobj" in path or "target=prep:" in path):
        c += 0.05
    if cand.trigger.dep_ == "ROOT":
        c += 0.05
    if cand.pattern.pos == "noun":
        c -= 0.08
    if s.heading:
        c -= 0.1
    return round(max(0.05, min(0.99, c)), 3)


def _trigger_score(cand: Candidate) -> float:
    """How likely a trigger is the sentence's main event: main verbs before subordinate ones."""
    score = 0.5 + 0.1 * bool(cand.pattern.specificity) + 0.1 * bool(cand.sources) + 0.1 * bool(cand.targets)
    if cand.trigger.dep_ == "ROOT":
        score += 0.1
    if cand.trigger.dep_ in ("relcl", "acl") or any(a.dep_ in ("relcl", "acl") for a in cand.trigger.ancestors):
        score -= 0.15  # "the plane they had taken hostage": background to the main event
    if cand.pattern.pos == "noun":
        score -= 0.1
    return round(score, 3)


def _explicit_date(sent: Doc, pub: str | None) -> EventDate | None:
    """The sentence's own absolute date (one with a year), for "at that time" later on. Not
    one in a subordinate clause: "The junta has been fighting rebels *since it seized power in
    February 2021*" is about now, and what follows it is not background."""
    for e in sentence_dates(sent):
        if any(ch.isdigit() for ch in e.text) and not _subordinate(e.root):
            parsed = parse_expression(e.text, pub)
            if parsed:
                return EventDate(parsed[0], parsed[1], e.text, "sentence")
    return None


def _subordinate(tok) -> bool:
    node = tok
    while node.head.i != node.i:
        if node.dep_ in ("advcl", "relcl", "acl") or (node.dep_ == "prep" and node.lower_ == "since"):
            return True
        node = node.head
    return False


_YEAR_EXPR = re.compile(
    r"\b(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+)?"
    r"(?:19|20)\d\d\b")


def _explicit_date_in_text(text: str, pub: str | None) -> EventDate | None:
    """The same for a sentence that was not parsed: a year, or a month and year, in its text
    (not in an aside: "Sharif, *who succeeded Khan in 2022*, said ...")."""
    for m in _YEAR_EXPR.finditer(text):
        clause = text[:m.start()].rsplit(",", 1)[-1].lower()
        if re.search(r"\b(who|which|since|when|after|before|until)\b", clause):
            continue
        parsed = parse_expression(m.group(0), pub)
        if parsed:
            return EventDate(parsed[0], parsed[1], m.group(0), "sentence")
    return None


def _rank(e: Event) -> tuple[bool, float, int]:
    """Among events of one root in one sentence, the specific code wins over the catch-all
    ("agreed to meet": 036 over 030), then the more confident."""
    return (not e.code.endswith("0") or len(e.code) == 4, e.confidence, len(e.code))


def _is_bare_definite(head) -> bool:
    """"the decision", "the move": no owner, no modifier that could say whose it is."""
    kids = list(head.children)
    return any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in kids) and not any(
        c.dep_ in ("poss", "amod", "compound", "nmod", "relcl", "acl") or (c.dep_ == "prep" and c.lower_ in ("of", "by"))
        for c in kids)


def _dedupe_sentence_events(events: list[Event], min_confidence: float) -> list[Event]:
    """One event per (sentence, source, target, root): "agreed to sign an agreement" is one."""
    best: dict[tuple, Event] = {}
    for e in events:
        if e.confidence < min_confidence:
            continue
        key = (e.doc_id, e.sentence_id, e.source.code, e.target.code, e.root_code, e.source.name, e.target.name)
        old = best.get(key)
        if old is None or _rank(e) > _rank(old):
            best[key] = e
    return sorted(best.values(), key=lambda e: (e.sentence_id, e.trigger.start, e.source.code, e.target.code))

"""From a noun phrase in a parsed sentence to an `Actor`.

The phrase around an argument's head word is searched for cues (a named person or
organisation, a country name, a demonym, a capital standing for its government, sector words);
the most specific cue nearest the head wins. Pronouns and definite descriptions ("he", "they",
"the Islamist militia", "the new rulers") are resolved against the actors the document has
mentioned so far (`DocContext`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from spacy.tokens import Token

from whowhom.actors.kb import Entry, KnowledgeBase, Named
from whowhom.actors.match import Mention
from whowhom.nlp.spans import is_name, name_span
from whowhom.records import Actor

# Dependents that start a new clause or a new actor: not part of this actor's phrase.
_CUT_DEPS = {"relcl", "acl", "conj", "cc", "advcl", "ccomp", "punct", "appos", "prep"}
# Prepositions whose object still describes the actor: "the government of Afghanistan".
_OF_PREPS = {"of", "from"}
# Prepositions that place an actor somewhere ("police in Kabul", "a professor at X").
_LOCATIVE_PREPS = {"in", "across", "at", "inside", "throughout", "within"}
# "a target southwest of Baghdad", "villages north of Aleppo": after these, "of" places too.
# Participles that place a thing where it was made or is based.
_SITED = {"release", "issue", "publish", "base", "headquarter", "station", "deploy", "register"}
_PLACE_HEADS = {"capital", "city", "town", "village", "province", "region", "state", "port", "border"}
_DIRECTIONS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
               "outskirts"}
PERSON_PRONOUNS = {"he", "him", "she", "her", "his"}
WATERS = {"sea", "ocean", "gulf", "strait", "straits", "bay", "channel", "lake", "river"}
GROUP_PRONOUNS = {"they", "them"}
# Heads of definite descriptions that refer back to a group or to a state already named.
GROUP_NOUNS = {"militia", "group", "movement", "militant", "insurgent", "rebel", "ruler",
               "leadership", "regime", "organization", "organisation", "islamist", "extremist",
               "fighter", "jihadist"}
STATE_NOUNS = {"country", "state", "nation", "republic", "kingdom", "neighbor", "neighbour"}
GROUP_SECTORS = {"INS", "REB", "SEP", "OPP", "CRM", "UAF"}
CALENDAR_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                  "january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december"}
# How far back (in sentences) a pronoun may reach.
COREF_WINDOW = 3
# ... and "the army", "the police" back to the country's army or police named before: a story
# keeps calling them so for longer.
SECTOR_COREF_WINDOW = 8


@dataclass
class Seen:
    actor: Actor
    sentence: int
    named: Named | None = None
    plural: bool = False


def party_key(a: Actor) -> str | None:
    """A party to a story: a state by its country (its government and army are the state), a
    group in it by country and sector ("SDNREB": a civil war's two sides), an international
    body by its code ("IGOEU")."""
    if a.country:
        return a.country if a.sector in STATE_SECTORS or a.sector is None else f"{a.country}{a.sector}"
    return a.code if a.code.startswith(("IGO", "NGO")) else None


@dataclass
class DocContext:
    """Actors mentioned so far in one document, in reading order."""

    date: str | None
    seen: list[Seen] = field(default_factory=list)
    # how often each party (see party_key) has been in an event coded so far
    parties: dict[str, int] = field(default_factory=dict)

    def count_party(self, actor: Actor) -> None:
        key = party_key(actor)
        if key:
            self.parties[key] = self.parties.get(key, 0) + 1

    def remember(self, actor: Actor, sentence: int, named: Named | None = None, plural: bool = False) -> None:
        self.seen.append(Seen(actor, sentence, named, plural))

    def last(self, sentence: int, want, before: int | None = None, window: int = COREF_WINDOW) -> Seen | None:
        for s in reversed(self.seen):
            if s.sentence < sentence - window:
                return None
            if before is not None and s.sentence == sentence and (s.actor.start or 0) >= before:
                continue
            if want(s):
                return s
        return None

    def last_pair(self, sentence: int, before: int | None = None) -> list[Seen]:
        """The last two actors of different countries named before: "the two leaders"."""
        found: list[Seen] = []
        for s in reversed(self.seen):
            if s.sentence < sentence - COREF_WINDOW:
                break
            if before is not None and s.sentence == sentence and (s.actor.start or 0) >= before:
                continue
            if s.actor.country and all(f.actor.country != s.actor.country for f in found):
                found.append(s)
                if len(found) == 2:
                    return found[::-1]
        return []

    def main_pair(self, sentence: int, before: int | None = None) -> list[Seen]:
        """The story's two main parties so far: those in most events, then named most often,
        then named later; in the order last named. "The two sides" of a story are its main
        parties, not the last two countries it mentions ("Hungary voted against, France and
        Italy supported them. *The two sides* will continue talks")."""
        counts: dict[str, int] = {}
        last: dict[str, tuple[int, Seen]] = {}
        for n, s in enumerate(self.seen):
            if before is not None and s.sentence == sentence and (s.actor.start or 0) >= before:
                continue
            key = party_key(s.actor)
            if s.sentence > sentence or not key:
                continue
            counts[key] = counts.get(key, 0) + 1
            last[key] = (n, s)
        top = sorted(counts, key=lambda c: (self.parties.get(c, 0), counts[c], last[c][0]), reverse=True)[:2]
        if len(top) < 2 or counts[top[1]] < 2:
            return self.last_pair(sentence, before)
        return [s for _, s in sorted(last[c] for c in top)]

    def without(self, starts: frozenset[int]) -> "DocContext":
        """The context minus the actors mentioned at these character offsets."""
        return DocContext(self.date, [s for s in self.seen if s.actor.start not in starts], self.parties)

    def mentioned(self, named: Named) -> bool:
        return any(s.named is named for s in self.seen)


class ActorResolver:
    def __init__(self, kb: KnowledgeBase, place_country: Callable[[str], str | None] | None = None):
        self.kb = kb
        # "Shanghai police", "Rakhine rebels": a city or region in the phrase gives the country.
        self.place_country = place_country

    # ------------------------------------------------------------------------------------
    def resolve(self, head: Token, mentions: list[Mention], ctx: DocContext, sentence: int,
                offset: int, date: str | None) -> Actor | None:
        """The actor for the phrase headed by `head`, or None when nothing says who it is."""
        if head.lemma_.lower() in WATERS and head.text[:1].isupper():
            return None  # "the Sea of Japan", "the Gulf of Mexico": water, not the state it is named for
        actor = self._resolve_phrase(head, mentions, ctx, sentence, offset, date)
        if actor is None and _supporters(head) and not any(t.pos_ == "PROPN" for t in phrase_tokens(head)):
            # "dozens of party supporters": people, of the country the event places them in
            text, start, end = phrase_text(head, offset)
            return Actor(text=text, code="---CVL", sector="CVL", start=start, end=end, resolved_by="sector")
        if actor is not None and actor.sector in STATE_SECTORS and _supporters(head):
            # "Thousands of junta supporters", "supporters of President Trump": people who back
            # the state, not the state.
            return replace(actor, code=f"{actor.country or '---'}CVL", sector="CVL", name=None,
                           resolved_by=f"{actor.resolved_by}+supporters")
        if (actor is None or actor.country is None) and not is_name(head):
            # "Kim's sister, *Kim Yo Jong*, accused ...": a description, then the name
            for appos in (c for c in head.children if c.dep_ == "appos" and c.pos_ == "PROPN"):
                named = self._resolve_phrase(appos, mentions, ctx, sentence, offset, date)
                if named is not None and named.country is not None:
                    return replace(named, resolved_by=f"{named.resolved_by}+apposition")
        if (actor is None or actor.country is None) and is_name(head):
            # "Harry Tseng, Taiwan's deputy foreign minister": a name we do not know, described
            # by an apposition that says who the person is.
            for appos in (c for c in head.children if c.dep_ == "appos" and c.pos_ != "PROPN"):
                described = self._resolve_phrase(appos, mentions, ctx, sentence, offset, date)
                if described is not None and described.country is not None:
                    text = head.doc.text[head.left_edge.idx:appos.right_edge.idx + len(appos.right_edge.text)]
                    return replace(described, text=text if actor is None else actor.text,
                                   start=offset + head.left_edge.idx if actor is None else actor.start,
                                   end=described.end if actor is None else actor.end,
                                   name=None, resolved_by=f"{described.resolved_by}+apposition")
        return actor

    def _resolve_phrase(self, head: Token, mentions: list[Mention], ctx: DocContext, sentence: int,
                        offset: int, date: str | None) -> Actor | None:
        span = phrase_tokens(head)
        text, text_start, text_end = phrase_text(head, offset)
        owner = next((c for c in head.children if c.dep_ == "poss" and c.lower_ in ("its", "their")), None)
        if owner is not None and head.lemma_.lower() in PLATFORM_NOUNS:
            # "The army said *its aircraft* had bombed RSF positions": the owner's forces (a
            # state's own are its military).
            speaker = _speaker_of_clause(head)
            them = (self._resolve_phrase(speaker, mentions, ctx, sentence, offset, date) if speaker is not None
                    else self._coref(owner, ctx, sentence, text, text_start, text_end, date))
            if them is not None and them.country:
                sector = them.sector if them.sector not in (None, "GOV") else "MIL"
                return replace(them, code=f"{them.country}{sector}", sector=sector, name=None, text=text,
                               start=text_start, end=text_end,
                               resolved_by=f"{them.resolved_by}+its {head.lemma_.lower()}")
        opposed = opposed_by(head)
        if opposed is not None:
            # "Opponents of the Kenyan government", "critics of President Ruto": the country's
            # opposition, not the government the phrase names.
            # (of a law or a dam, whosever it is: still an opposition, placed by the event)
            them = self._resolve_phrase(opposed, mentions, ctx, sentence, offset, date)
            country = them.country if them is not None else None
            sector = "OPP" if them is None or them.sector != "OPP" else None
            return Actor(text=text, code=f"{country or '---'}{sector or ''}", country=country,
                         sector=sector, name=None, start=text_start, end=text_end, resolved_by="opponents-of")
        ids = {t.i for t in span}
        inside = [m for m in mentions if any(i in ids for i in range(m.start, m.end))
                  and not _is_affiliation(head.doc, m)]
        affiliated = {i for m in mentions if any(i in ids for i in range(m.start, m.end))
                      and _is_affiliation(head.doc, m) for i in range(m.start, m.end)}

        named = self._named(head, inside, ids, ctx, date)
        if named is not None:
            nm, how = named
            cue_country, cue_sector, _ = self._cues(inside, head)
            # "the Taliban government" (1996): the sector word picks among roles in force.
            prefer = {"country": cue_country if nm.kind == "person" else None, "sector": cue_sector}
            role = nm.role_on(date, prefer=prefer)
            if role is None:
                return None
            if head.lemma_.lower() in LEADER_BODIES and nm.kind == "person" and role.sector != "GOV":
                # "the Trump administration" in 2023 is the government he led, not his party
                led = [r for r in nm.roles if r.sector == "GOV" and (r.start or "") <= (date or "9999")]
                if led:
                    role = max(led, key=lambda r: r.start or "")
            if nm.kind == "organization" and cue_country and role.country and cue_country != role.country:
                # "Chile's Defense Department" is Chile's, whatever the dictionary's default is.
                return Actor(text=text, code=f"{cue_country}{role.sector or ''}", country=cue_country,
                             sector=role.sector, name=None, start=text_start, end=text_end,
                             resolved_by="country+sector-of-name")
            if nm.kind == "organization" and role.country is None:
                # A group of no one state placed in one by the phrase ("an Islamic State target
                # southwest of Baghdad", "al-Qaeda fighters in Yemen") acts there as that
                # country's: coded by it, still named as the group.
                here = self._country_from_of(head, mentions)
                if here:
                    return Actor(text=text, code=f"{here}{role.sector or ''}", country=here, sector=role.sector,
                                 name=nm.name, start=text_start, end=text_end, resolved_by=f"{how}+located")
            return Actor(text=text, code=role.actor_code, country=role.country, sector=role.sector,
                         name=nm.name, start=text_start, end=text_end, resolved_by=how)

        country, sector, how = self._cues(inside, head)
        # "ordinary Kazakhs", "Afghans", "tens of thousands of Georgians": people of that nation
        counted, node = [], head
        while node.lower_ in CROWD_WORDS:
            of = [g for p in node.children if p.dep_ == "prep" and p.lower_ == "of" for g in p.children
                  if g.dep_ == "pobj"]
            if not of:
                break
            node = of[0]
            counted.append(node)
        if sector is None and country and any(
                (t is not head or t.tag_ in ("NNPS", "NNS"))
                and any(e.kind == "demonym" for m in inside if m.covers(t.i) for e in m.entries)
                for t in [head, *counted]):
            sector, how = "CVL", how + "+people"
        if country is None:
            # "the new rulers", "the Islamist militia": a description of someone named before.
            referent = self._coref(head, ctx, sentence, text, text_start, text_end, date,
                                   exclude=_clause_subject_starts(head, offset))
            if referent is None and sector is None and head.lemma_.lower() not in ACT_HEADS:
                # A city or region hit, visited or named as a party stands for its country, and
                # so does a thing placed in one ("targets in Syria"); not an attack on a place
                # ("repelled an attack *on Goma*": the attacker is not Goma).
                place_country = (self._country_from_place([head]) if head.text[:1].isupper() else None) \
                    or (self._country_from_place([c for c in head.children if c.dep_ == "compound"])
                        if head.lemma_.lower() in _PLACE_HEADS else None) \
                    or self._country_from_of(head, mentions)
                if place_country:
                    name = self.kb.country_name(place_country)
                    return Actor(text=text, code=place_country, country=place_country, sector=None, name=name,
                                 start=text_start, end=text_end, resolved_by="place")
            if referent is not None or sector is None:
                return referent
        if country is None and sector is not None:
            # (a word read as the sector is no place: "Police" is not the town in Poland)
            sector_words = {i for m in inside if any(e.kind == "sector" for e in m.entries) for i in range(m.start, m.end)}
            country = self._country_from_place([t for t in span if t.i not in affiliated and t.i not in sector_words])
        if country is None:
            country = self._country_from_of(head, mentions)
        if country is None and _is_definite(head) and not any(t.pos_ == "PROPN" for t in span):
            # "Sudan's army ... *The army* accused the RSF": the one of that sector named before.
            # The one named with the same word first: "Niger's junta ordered the French
            # ambassador out ... *The junta* accused France" is Niger's junta, not the envoy's government.
            def of_sector(x: Seen) -> bool:
                return x.actor.sector == sector and x.actor.country is not None and x.actor.name is None
            word = head.lemma_.lower()
            # (a named one too: "the government of President Maduro ... *the government*")
            seen = ctx.last(sentence, lambda x: x.actor.sector == sector and x.actor.country is not None
                            and word in _lemmas(x.actor.text), text_start, window=SECTOR_COREF_WINDOW) \
                or ctx.last(sentence, of_sector, text_start, window=SECTOR_COREF_WINDOW)
            if seen is not None:
                country, how = seen.actor.country, f"{how}+coref:the {head.lemma_.lower()}"
        if country is None:
            # A sector with no nationality ("the police"): the event coder may still fill the
            # country from the event's location, but only for a plain description, never for
            # a phrase with a name we do not know ("Taliban leader Kazemi").
            unknown_name = any(t.pos_ == "PROPN" and not any(m.covers(t.i) for m in inside) for t in span)
            return Actor(text=text, code=f"---{sector}", country=None, sector=sector, name=None,
                         start=text_start, end=text_end,
                         resolved_by=f"{how}+unknown-name" if unknown_name else how)
        name = self.kb.country_name(country)
        return Actor(text=text, code=f"{country}{sector or ''}", country=country, sector=sector,
                     name=name, start=text_start, end=text_end, resolved_by=how)

    def resolve_all(self, head: Token, mentions: list[Mention], ctx: DocContext, sentence: int,
                    offset: int, date: str | None) -> list[Actor]:
        """Like `resolve`, and "US and British activists" gives two actors, one per nationality;
        "Egypt and Sudan said *they* would ..." gives both speakers."""
        if _is_pair(head):
            # "the two leaders", "both sides", "the two countries": the last two named before.
            # (not the subject of its own clause: "The US and the EU urged *both sides* ...")
            scope = ctx.without(_clause_subject_starts(head, offset, pronoun_only=False))
            if head.lower_ in STATE_PAIR_NOUNS:
                # "the two countries" are states, not the two companies named last
                scope = DocContext(scope.date, [x for x in scope.seen if x.actor.sector in STATE_SECTORS
                                                or x.actor.sector is None], scope.parties)
            pair = (scope.main_pair if head.lower_ in MAIN_PAIR_NOUNS else scope.last_pair)(
                sentence, offset + head.left_edge.idx)
            if pair:
                out = [self._as_referent(p, head, offset, date, f"coref:the two {head.lemma_.lower()}")
                       for p in pair]
                if head.lower_ in STATE_PAIR_NOUNS or head.lower_ in MAIN_PAIR_NOUNS:
                    # (a side that is a state is the state, not the police named last; "both
                    # governments" are the two states' governments)
                    sector = "GOV" if head.lower_ == "governments" else None
                    out = [replace(a, code=f"{a.country}{sector or ''}", sector=sector, name=self.kb.country_name(a.country))
                           if a.country and (head.lower_ in STATE_PAIR_NOUNS or a.sector in STATE_SECTORS)
                           else a for a in out]
                return out
        speakers = _coordinated_speakers(head) or _reported_speaker(head) or _bound_its(head)
        if speakers:
            out = [a for t in speakers for a in self.resolve_all(t, mentions, ctx, sentence, offset, date)]
            if len(out) > 1 or (len(speakers) == 1 and len(out) == 1):
                return [replace(a, text=head.text, start=offset + head.idx, end=offset + head.idx + len(head.text),
                                resolved_by=f"coref:{head.lower_}") for a in out]
        actor = self.resolve(head, mentions, ctx, sentence, offset, date)
        if actor is None or actor.country is None or (actor.resolved_by or "").startswith(("dictionary", "surname", "coref")):
            return [actor] if actor else []
        out = [actor]
        # "US and British activists"; "the foreign ministers of India and China"
        owners = [mod for mod in head.children if mod.dep_ in ("amod", "compound", "nmod")]
        owners += [g for p in head.children if p.dep_ == "prep" and p.lower_ == "of"
                   for g in p.children if g.dep_ == "pobj"]
        for mod in owners:
            for other in mod.conjuncts:
                for m in mentions:
                    if not m.covers(other.i):
                        continue
                    for e in m.entries:
                        if e.kind in ("country", "demonym") and e.country and e.country != actor.country \
                                and all(a.country != e.country for a in out):
                            out.append(replace(actor, country=e.country,
                                               code=f"{e.country}{actor.sector or ''}",
                                               name=self.kb.country_name(e.country),
                                               resolved_by=f"{actor.resolved_by}+conjoined"))
        return out

    # ------------------------------------------------------------------------------------
    def _named(self, head: Token, inside: list[Mention], ids: set[int], ctx: DocContext,
               date: str | None) -> tuple[Named, str] | None:
        named = [(m, e) for m in inside for e in m.entries if e.kind == "named" and e.named]
        if named:
            # The mention containing the head, else the nearest one to it; people before bodies
            # at equal distance ("Taliban leader Baradar" is Baradar).
            def rank(me: tuple[Mention, Entry]) -> tuple[int, int]:
                m, e = me
                dist = 0 if m.covers(head.i) else min(abs(head.i - m.start), abs(head.i - (m.end - 1)))
                return (dist, 0 if e.named.kind == "person" else 1)
            m, e = min(named, key=rank)
            if m.end - m.start == 1 and m.covers(head.i) and e.named.kind != "person":
                # "Ilir Meta ... Meta criticized": a person this document has named is who a
                # bare surname means, even one a company's name also matches.
                seen = [p for p in self.kb.by_surname.get(head.lower_, []) if ctx.mentioned(p)]
                if seen:
                    return seen[-1], "surname"
            if m.covers(head.i) or not self._head_is_other_named(head, inside, m):
                return e.named, "dictionary"
        if head.lemma_.lower() in LEADER_BODIES:
            # "the Biden administration", "the Netanyahu government": the leader's
            for c in head.children:
                if c.dep_ == "compound" and c.pos_ == "PROPN":
                    person = self._person_by_surname(c, inside, ctx, date)
                    if person is not None:
                        return person
        # A person the dictionary knows under another spelling or by surname only.
        titled = head.pos_ == "PROPN" and any(t.lower_ in self.kb.titles for t in head.lefts)
        if is_name(head) or titled:  # "President obama": a title vouches for a lower-case name
            person = self._person_by_surname(head, inside, ctx, date)
            if person is not None:
                return person
        return None

    def _head_is_other_named(self, head: Token, inside: list[Mention], named: Mention) -> bool:
        """The head is another proper name, not in the dictionary ("Taliban leader Kazemi"),
        rather than the end of the same name ("Shin Bet Security Service")."""
        if not is_name(head) or any(m.covers(head.i) for m in inside):
            return False
        whole = name_span(head)
        return not (whole.start <= named.start and named.end <= whole.end)

    def _person_by_surname(self, head: Token, inside: list[Mention], ctx: DocContext,
                           date: str | None) -> tuple[Named, str] | None:
        words = [t for t in name_span(head) if t.pos_ == "PROPN" and t.lower_ not in self.kb.titles]
        if not words:
            return None
        country, _sector, _ = self._cues(inside, head)
        title_words = {t.lower_ for t in head.subtree}
        for candidate_word in (words[-1], words[0]):
            if candidate_word.lower_ in CALENDAR_WORDS:
                continue  # "on Friday" is a day, whoever is called Friday
            if candidate_word.text.isupper() and len(candidate_word) > 1 and not head.doc.text.isupper():
                continue  # "the PAN" is an acronym, not Mr Pan
            people = self.kb.by_surname.get(candidate_word.text.lower(), [])
            if candidate_word is words[0] and len(words) > 1 and not country:
                # The first of several names is a surname only in a name written surname first
                # ("Xi Jinping"): "Paul Keating" is not Evans Paul.
                rest = [w.lower_ for w in words[1:]]
                people = [p for p in people if all(r in p.name.lower() for r in rest)]
            if not people:
                continue
            # Someone already named in this document is who a bare surname means.
            seen = [p for p in people if ctx.mentioned(p)]
            if len(words) == 1 and seen:
                return seen[-1], "surname"
            fitting = []
            for p in people:
                role = p.role_on(date)
                if role is None:
                    continue
                if country and role.country != country:
                    continue
                title_ok = bool(role.title) and all(w in title_words for w in role.title.split())
                if not title_ok and "former" in title_words:
                    # "former president Bolsonaro": the title of a role that has ended
                    title_ok = any(r.title and r.end and (date is None or r.end <= date)
                                   and all(w in title_words for w in r.title.lower().split()) for r in p.roles)
                fitting.append((title_ok, p))
            if country and any(ok for ok, _ in fitting):
                return next(p for ok, p in fitting if ok), "surname+title"
            titled = [p for ok, p in fitting if ok]
            if len(titled) == 1:
                # "President Obama": of the Obamas, the one who was president then.
                return titled[0], "surname+title"
            leaders = [p for _, p in fitting if (p.role_on(date).title or "").lower() in LEADER_TITLES]
            if len(words) == 1 and len(fitting) > 1 and len(leaders) == 1:
                # "Biden" in 2023 is the president, not his son: a bare surname shared in one
                # family means the one who leads the state.
                return leaders[0], "surname+office"
            if len(words) == 1 and len(fitting) == 1 and (country or len(people) == 1):
                # A bare surname nobody has named yet: only one person in the dictionary has it;
                # but not under a title that person never held ("President Bashir" is not the
                # cleric Abu Bakar Bashir).
                only = fitting[0][1]
                titles = {w for w in title_words if w in self.kb.titles}
                held = {w for r in only.roles if r.title for w in r.title.lower().split()}
                if not titles or titles & held:
                    return only, "surname"
        return None

    def _cues(self, inside: list[Mention], head: Token) -> tuple[str | None, str | None, str]:
        country = sector = None
        how: list[str] = []
        best_sector_rank = None
        for m in sorted(inside, key=lambda m: abs(head.i - m.start)):
            for e in m.entries:
                if e.kind in ("country", "demonym", "metonym") and country is None:
                    country = e.country
                    how.append(e.kind)
                    if e.kind == "metonym" and sector is None:
                        sector = e.sector
                elif e.kind == "sector":
                    rank = (-self.kb.sector_priority.get(e.sector or "", 0), 0 if m.covers(head.i) else 1)
                    if best_sector_rank is None or rank < best_sector_rank:
                        if e.sector != sector:
                            sector = e.sector
                        best_sector_rank = rank
                        if "sector" not in how:
                            how.append("sector")
        return country, sector, "+".join(how)

    def _country_from_place(self, span: list[Token]) -> str | None:
        if self.place_country is None:
            return None
        for t in span:
            # Capitalised words, whatever the tagger says (alone, "Mariupol" is tagged a noun).
            if t.text[:1].isupper() and t.pos_ in ("PROPN", "NOUN", "ADJ"):
                names = [t.text]
                whole = name_span(t) if t.pos_ == "PROPN" else None
                if whole is not None and whole.text != t.text:
                    names.insert(0, whole.text)  # "Puerto Penasco" before "Puerto"
                    if t.i == whole.end - 1 or (len(whole) >= 3 and not any(
                            w.lower_ in self.kb.titles for w in whole)):
                        # A word of a longer name is no place: "Feliciano Valencia", "Jam Kamal
                        # Khan Alyani" (Jam, Iran); a place may lead one ("Kabul Airport",
                        # "Madras High Court").
                        names = names[:1]
                for name in names:
                    country = self.place_country(name)
                    if country:
                        return country
        return None

    def _country_from_of(self, head: Token, mentions: list[Mention]) -> str | None:
        """'Islamist militants in Mali', 'trade unions across Denmark', 'a professor at the
        University of St Andrews in Scotland': a state or place the phrase puts the actor in
        tells whose actor it is."""
        # ... also where it was made or is based: "a report released in Kigali", "a group
        # based in London".
        frontier = phrase_tokens(head) + [c for c in head.children if c.dep_ == "acl" and c.tag_ == "VBN"
                                          and c.lemma_.lower() in _SITED]
        for _depth in range(3):  # "at the University ... in Scotland": two prepositions deep
            objects = [obj for t in frontier for child in t.children
                       if child.dep_ == "prep" and (child.lower_ in _LOCATIVE_PREPS or (
                           child.lower_ == "of" and t.lower_ in _DIRECTIONS))
                       for obj in child.children if obj.dep_ == "pobj"]
            for obj in objects:
                # "in the Rwandan capital", "in Kenya's capital": the place noun's state
                words = [obj] + ([c for c in obj.children if c.dep_ in ("amod", "compound", "poss")]
                                 if obj.lemma_.lower() in _PLACE_HEADS else [])
                for m in mentions:
                    if any(m.covers(w.i) for w in words):
                        for e in m.entries:
                            if e.kind in ("country", "metonym") or (e.kind == "demonym" and not m.covers(obj.i)):
                                return e.country
                # ("the University of St Andrews" is an institution, not the town University, FL)
                if obj.text[:1].isupper() and obj.pos_ == "PROPN" and not any(
                        c.dep_ == "prep" and c.lower_ == "of" for c in obj.children):
                    country = self._country_from_place([obj])
                    if country:
                        return country
                if obj.lemma_.lower() in _PLACE_HEADS:  # "in Zamfara state", "in Sindh province"
                    country = self._country_from_place([w for w in words[1:] if w.dep_ == "compound"])
                    if country:
                        return country
            frontier = [t for obj in objects for t in phrase_tokens(obj)]
            if not frontier:
                break
        return None

    # ------------------------------------------------------------------------------------
    def _coref(self, head: Token, ctx: DocContext, sentence: int, text: str, start: int,
               end: int, date: str | None, exclude: frozenset[int] = frozenset()) -> Actor | None:
        lower = head.lower_
        found: Seen | None = None
        before = start
        ctx = ctx.without(exclude) if exclude and head.pos_ == "PRON" else ctx
        if head.pos_ == "PRON" and lower in PERSON_PRONOUNS:
            found = ctx.last(sentence, lambda s: s.named is not None and s.named.kind == "person", before)
            how = f"coref:{lower}"
        elif head.pos_ == "PRON" and lower in ("it", "its"):
            # "Israel announced it would free prisoners", "... completed its withdrawal": a state
            # or a body named before.
            found = ctx.last(sentence, lambda s: s.named is None or s.named.kind == "organization", before)
            how = "coref:it"
        elif head.pos_ == "PRON" and (lower in GROUP_PRONOUNS or lower == "their"):
            found = ctx.last(sentence, lambda s: s.plural or (s.actor.sector in GROUP_SECTORS), before)
            how = f"coref:{lower}"
        elif _is_definite(head) and head.lemma_.lower() in GROUP_NOUNS:
            # A group, not one of its members: "Taliban leader Baradar ... the militia".
            found = ctx.last(sentence, lambda s: (s.named is not None and s.named.kind == "organization")
                             or (s.named is None and s.actor.sector in GROUP_SECTORS), before)
            how = f"coref:the {head.lemma_.lower()}"
        elif (_is_definite(head) and head.pos_ == "NOUN" and head.lemma_.lower() in BODY_NOUNS
              and not any(c.dep_ in ("amod", "compound", "poss") for c in head.children)):
            # "The U.N. Security Council adopted ... Israel's envoy criticised *the council*":
            # the body named before with that word in its name.
            word = head.lemma_.lower()
            found = ctx.last(sentence, lambda s: s.named is not None and s.named.kind == "organization"
                             and word in _lemmas(s.actor.text), before)
            how = f"coref:the {word}"
        elif _is_definite(head) and head.lemma_.lower() in STATE_NOUNS:
            # A state named earlier in this sentence is the other party, not "its neighbouring
            # country": look in the sentences before.
            found = ctx.last(sentence, lambda s: s.actor.country is not None and s.actor.sector is None
                             and s.named is None and s.sentence < sentence, before)
            how = f"coref:the {head.lemma_.lower()}"
        if found is None:
            return None
        return _referent(found, text, start, end, date, how)

    def _as_referent(self, seen: Seen, head: Token, offset: int, date: str | None, how: str) -> Actor:
        text, start, end = phrase_text(head, offset)
        return _referent(seen, text, start, end, date, how)


def _referent(found: Seen, text: str, start: int, end: int, date: str | None, how: str) -> Actor:
    """The actor a referring phrase stands for: the one seen, with its role on the date."""
    a = found.actor
    if found.named is not None:
        role = found.named.role_on(date, prefer={"country": a.country, "sector": a.sector})
        if role is not None:
            return Actor(text=text, code=role.actor_code, country=role.country, sector=role.sector,
                         name=found.named.name, start=start, end=end, resolved_by=how)
    return Actor(text=text, code=a.code, country=a.country, sector=a.sector, name=a.name,
                 start=start, end=end, resolved_by=how)


def _lemmas(text: str) -> set[str]:
    """Crude lemmas of a phrase's words, enough to match "armies" with "army"."""
    words = text.lower().replace("'s", " ").split()
    return set(words) | {w[:-3] + "y" for w in words if w.endswith("ies")} | {w[:-1] for w in words if w.endswith("s")}


# A leader's name before these is the leader's government: "the Biden administration".
LEADER_BODIES = {"administration", "government", "cabinet", "regime"}


# Bodies referred back to by the common noun in their name: "the council", "the agency".
BODY_NOUNS = {"council", "agency", "commission", "court", "tribunal", "alliance", "bloc", "union", "bank",
              "fund", "organization", "organisation", "mission", "assembly", "committee", "parliament"}


# Acts named as things: whose they are is said by a modifier ("a Russian assault"), never by
# the place they hit.
ACT_HEADS = {"attack", "assault", "offensive", "incursion", "advance", "raid", "strike", "bombing", "shelling"}


# Weapons platforms a state or group owns: "its aircraft", "their drones" are the owner's forces.
PLATFORM_NOUNS = {"aircraft", "plane", "jet", "drone", "helicopter", "ship", "vessel", "boat", "gunboat",
                  "artillery", "missile", "rocket"}


# People named by whom they are against: "opponents of the government" are its opposition.
OPPONENT_NOUNS = {"opponent", "critic", "detractor", "foe", "adversary"}


SUPPORTER_NOUNS = {"supporter", "loyalist", "follower", "backer", "sympathizer", "sympathiser"}
STATE_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "SPY"}


def _supporters(head: Token) -> bool:
    while head.lower_ in CROWD_WORDS:
        head = next((g for p in head.children if p.dep_ == "prep" and p.lower_ == "of"
                     for g in p.children if g.dep_ == "pobj"), head)
        if head.lower_ in CROWD_WORDS and not any(p.dep_ == "prep" for p in head.children):
            break
    return head.lemma_.lower() in SUPPORTER_NOUNS


def opposed_by(head: Token) -> Token | None:
    """What "opponents of X", "critics of X" are against: X's head, else None."""
    def of_object(t: Token) -> Token | None:
        return next((g for p in t.children if p.dep_ == "prep" and p.lower_ == "of"
                     for g in p.children if g.dep_ == "pobj"), None)
    while head is not None and head.lower_ in CROWD_WORDS:  # "thousands of opponents of ..."
        head = of_object(head)
    if head is None or head.lemma_.lower() not in OPPONENT_NOUNS:
        return None
    return of_object(head)


# Words that count people: "tens of thousands of Georgians" are Georgian people.
CROWD_WORDS = {"tens", "hundreds", "thousands", "millions", "dozens", "scores", "crowds", "groups", "throngs"}

# The offices whose holder a bare shared surname means ("Biden", "Trump", "Bhutto").
LEADER_TITLES = {"president", "prime minister", "chancellor", "king", "queen", "emir", "premier",
                 "supreme leader", "sultan", "head of state"}

# "the two leaders", "both sides": two actors in one phrase (plural forms, as the text has them)
PAIR_NOUNS = {"leaders", "sides", "countries", "nations", "governments", "presidents", "ministers", "states",
              "neighbours", "neighbors", "parties", "delegations", "armies", "premiers", "capitals"}


# ... of which these mean the story's main two parties, not the last two named
MAIN_PAIR_NOUNS = {"sides", "parties"}
# ... and these, two states
STATE_PAIR_NOUNS = {"countries", "nations", "states", "neighbours", "neighbors", "governments"}


def _is_pair(head: Token) -> bool:
    """"the two leaders", "both sides", "the two neighbours"."""
    return head.lower_ in PAIR_NOUNS and any(
        (c.dep_ == "nummod" and c.lower_ == "two") or (c.dep_ in ("det", "predet") and c.lower_ == "both")
        for c in head.children)


AFFILIATION = {"linked", "backed", "affiliated", "aligned", "allied", "inspired", "led", "supported",
               "sponsored", "funded", "trained", "armed"}


def _is_affiliation(doc, m: Mention) -> bool:
    """"Al-Qaeda-linked rebels", "Iran-backed militias", "pro-Russian separatists",
    "anti-French protesters": the name says whom the actor is for or against, not who it is."""
    nxt = doc[m.end:m.end + 2]
    prev = doc[max(m.start - 2, 0):m.start]
    return (len(nxt) == 2 and nxt[0].text == "-" and nxt[1].lower_ in AFFILIATION) or (
        len(prev) == 2 and prev[1].text == "-" and prev[0].lower_ in ("pro", "anti"))


def _bound_its(head: Token) -> list[Token]:
    """"... pulled out most of *its* soldiers": 'its' is its own clause's subject, when that is
    a singular noun or an 'it' standing for one; only for what the verb acts on, not a reason
    or circumstance ("prolonged sanctions due to *its* crackdown"), which may be another's."""
    if head.lower_ != "its" or head.dep_ != "poss":
        return []
    verb = head.head
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        if verb.dep_ == "pobj" and verb.head.head.pos_ in ("VERB", "AUX"):
            return []
        if verb.dep_ not in ("dobj", "pobj", "prep", "nsubj", "nsubjpass", "attr", "conj", "appos"):
            return []
        verb = verb.head
    subject = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subject or subject[0] is head:
        return []
    if subject[0].lower_ == "it":
        return _reported_speaker(subject[0])
    return [] if _not_one(subject[0]) else subject[:1]


def _speaker_of_clause(head: Token) -> Token | None:
    """"The army (denied the claim and) said *its aircraft* had bombed ...": the speaker whose
    clause the subject `head` is in; None if it is not a reported clause's subject."""
    if head.dep_ not in ("nsubj", "nsubjpass") or head.head.dep_ != "ccomp":
        return None
    verb = head.head.head
    subject = [c for c in verb.children if c.dep_ == "nsubj"]
    if not subject and verb.dep_ == "conj":
        subject = [c for c in verb.head.children if c.dep_ == "nsubj"]
    return subject[0] if subject and not _not_one(subject[0]) else None


def _reported_speaker(head: Token) -> list[Token]:
    """"The Israeli army said *it* struck ...", "The US military sent troops after *it* pulled
    out ...": 'it' as the subject of a reported or adverbial clause is the subject of the clause
    above (a singular noun; not a pronoun, which the context resolves)."""
    if head.lower_ != "it" or head.dep_ not in ("nsubj", "nsubjpass") or head.head.dep_ not in ("ccomp", "advcl"):
        return []
    speaker = [c for c in head.head.head.children if c.dep_ == "nsubj"]
    if not speaker or _not_one(speaker[0]):
        return []
    return speaker[:1]


def _not_one(tok: Token) -> bool:
    """Not a single named or described actor: a pronoun, a plural, or coordinated names."""
    return tok.pos_ == "PRON" or tok.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in tok.children)


def _coordinated_speakers(head: Token) -> list[Token]:
    """"Obama and Putin said *they* will attack": 'they' as the subject of a reported clause
    whose speaker is coordinated stands for each of the speakers."""
    if head.lower_ not in ("they", "we") or head.dep_ != "nsubj" or head.head.dep_ != "ccomp":
        return []
    speaker = [c for c in head.head.head.children if c.dep_ == "nsubj"]
    if not speaker or not any(c.dep_ == "conj" for c in speaker[0].children):
        return []
    return [speaker[0], *[c for c in speaker[0].conjuncts if c.i > speaker[0].i]]


def _clause_subject_starts(head: Token, offset: int, pronoun_only: bool = True) -> frozenset[int]:
    """Where the subject of a pronoun object's own clause starts: "Russia fired missiles at
    *it*" cannot mean Russia (that would be "itself"), so coreference skips it."""
    if (pronoun_only and head.pos_ != "PRON") or head.dep_ not in ("dobj", "pobj", "dative"):
        return frozenset()
    node = head.head
    for _ in range(3):
        if node.pos_ in ("VERB", "AUX") or node.head.i == node.i:
            break
        node = node.head
    if node.dep_ == "acl" and node.tag_ == "VBN" and node.head.dep_ == "ROOT" and node.head.pos_ == "PROPN":
        # "Russia, which has peacekeepers there, called on both sides": the name is the subject
        # the parser missed (as the event coder takes it).
        return frozenset(offset + t.idx for t in phrase_tokens(node.head))
    subjects = [c for c in node.children if c.dep_ == "nsubj"]
    if node.dep_ == "relcl" and any(c.lower_ in ("which", "who", "that") for c in subjects):
        # "Saudi Arabia and the United States, *which* mediate between the two sides"
        noun = node.head
        while noun.dep_ == "conj" and noun.head.i != noun.i:
            noun = noun.head
        subjects = [noun, *noun.conjuncts]
        return frozenset(offset + t.idx for c in subjects for t in phrase_tokens(c))
    return frozenset(offset + t.idx for c in subjects for t in c.subtree)


def _is_named(m: Mention) -> bool:
    return any(e.kind == "named" for e in m.entries)


def _is_definite(head: Token) -> bool:
    return any(c.dep_ in ("det", "poss") and c.lower_ in ("the", "its", "this", "that", "these", "those", "their")
               for c in head.children)


def phrase_text(head: Token, offset: int) -> tuple[str, int, int]:
    """The head's noun phrase as the text has it, with its start and end in the document."""
    span = phrase_tokens(head)
    first, last = min(span, key=lambda t: t.i), max(span, key=lambda t: t.i)
    text = head.doc.text[first.idx:last.idx + len(last.text)]
    return text, offset + first.idx, offset + first.idx + len(text)


def phrase_tokens(head: Token) -> list[Token]:
    """The head's noun phrase: itself and its modifiers, with 'of' phrases, without clauses."""
    out = [head]
    stack = [head]
    while stack:
        t = stack.pop()
        for c in t.children:
            if c.dep_ in _CUT_DEPS and not (c.dep_ == "prep" and c.lower_ in _OF_PREPS):
                continue
            out.append(c)
            stack.append(c)
    return sorted(out, key=lambda t: t.i)


"""From one parsed sentence to candidate events: triggers, their agents and patients, modality.

The dependency parse decides: a trigger verb's agent is its subject (the `by` phrase in the
passive; the controlling verb's subject in "agreed to meet", "said after speaking with"), its
patient the slot its pattern names. Negation, modal verbs, conditions, questions and verbs of
hope or doubt above the trigger stop an event; verbs of intent or refusal above it turn it into
an intent (03, 13) or a rejection (12), as CAMEO codes them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

import yaml
from spacy.tokens import Doc, Token

from whowhom.actors.resolve import OPPONENT_NOUNS
from whowhom.events.patterns import Pattern, PatternSet, load_word_classes
from whowhom.events.topics import TopicRules, load_topic_rules

SUBJ = {"nsubj", "csubj"}
ROOTS_OF_CONFLICT = {"10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}
PASS_SUBJ = {"nsubjpass", "csubjpass"}
ADVERB_PARTICLES = {"down", "out", "up", "off", "back", "away", "in"}
# Things that kill or wound without being actors: their author is the source.
MEANS = {"bomb", "bombing", "explosion", "blast", "device", "ied", "mine", "missile", "rocket",
         "shell", "drone", "strike", "airstrike", "grenade", "mortar", "warplane", "jet", "bomber", "aircraft"}
# Verbs of firing a weapon: in the passive, where it was fired from is its source.
FIRED = {"fire", "launch", "shoot", "lob"}
# Dependencies through which a verb takes its subject from the verb above it.
CONTROL_DEPS = {"xcomp", "pcomp", "advcl", "conj"}
# Dependencies through which modality and negation above a trigger reach it.
SCOPE_DEPS = {"xcomp", "ccomp", "advcl", "conj", "pcomp", "acl", "relcl", "prep", "pobj"}


@dataclass(frozen=True)
class Modality:
    modal_aux: frozenset[str]
    future_aux: frozenset[str]
    nonfactive: frozenset[str]
    intent: frozenset[str]
    scheduled: frozenset[str]
    refuse: frozenset[str]
    speech: frozenset[str]
    mutual: frozenset[str]
    condition_marks: frozenset[str]
    intent_code: dict[str, str]
    refuse_code: dict[str, str]
    intent_code_specific: dict[str, str]
    refuse_code_specific: dict[str, str]
    obligation_code: dict[str, str]
    allegation: frozenset[str]
    allegation_code: str
    claim_own_code: str
    appeal_verbs: frozenset[str]
    appeal_code: str
    appeal_for: dict[str, str]
    host_guest: dict[str, str]
    victim_words: frozenset[str]
    monitor_sectors: frozenset[str]
    failure: frozenset[str]
    failure_roots: frozenset[str]
    noun_agent_verbs: frozenset[str]
    agent_of_nouns: frozenset[str]
    noun_participation_verbs: frozenset[str]
    noun_participation_preps: frozenset[str]
    noun_agent_preps_by_root: dict[str, list[str]]
    third_location: dict[str, str]
    nonfactive_nouns: frozenset[str]
    purpose_marks: frozenset[str]
    purpose_kept_roots: frozenset[str]
    visit_codes: frozenset[str]
    not_visitors: frozenset[str]
    not_visitor_sectors: frozenset[str]
    offer_verbs: frozenset[str]
    offer_code: dict[str, str]
    home_location: dict[str, str]
    by_phone_codes: dict[str, str]
    phone_words: frozenset[str]
    meeting_words: frozenset[str]
    mediated: dict[str, str]
    weapons_test_words: frozenset[str]
    weapons_test_roots: frozenset[str]
    weapons_test_code: str
    own_state_roots: frozenset[str]
    own_state_sectors: frozenset[str]
    opposed_target_roots: frozenset[str]
    own_intent_speech: frozenset[str]
    reaction_roots: frozenset[str]
    act_nouns: dict[str, str]


@lru_cache(maxsize=1)
def load_lemma_fixes() -> dict[str, str]:
    text = resources.files("whowhom.data").joinpath("lemma_fixes.yaml").read_text(encoding="utf-8")
    return {str(k).lower(): str(v).lower() for k, v in (yaml.safe_load(text) or {}).items()}


def _is_person(tok: Token) -> bool:
    """A person by the word ("prisoners", "a nurse"), a full name ("Jacob Zuma") or a plural
    proper noun ("19 Christians")."""
    people = load_word_classes()["person"]
    if lemma_of(tok) in people or tok.lower_ in people:
        return True
    return tok.tag_ == "NNPS" or (tok.pos_ == "PROPN" and any(
        c.dep_ == "compound" and c.pos_ == "PROPN" and c.text[:1].isupper() for c in tok.children))


def lemma_of(tok: Token) -> str:
    return load_lemma_fixes().get(tok.lower_, tok.lemma_.lower())


@lru_cache(maxsize=1)
def load_modality() -> Modality:
    data = yaml.safe_load(resources.files("whowhom.data").joinpath("modality.yaml").read_text(encoding="utf-8"))
    return parse_modality(data, "whowhom/data/modality.yaml")


def parse_modality(data: object, where: str) -> Modality:
    """The modality tables from a parsed modality.yaml; a clear error for a key missing or
    unknown (a typo in an edited file), naming the file."""
    if not isinstance(data, dict):
        raise TypeError(f"{where}: expected a mapping of keys (see docs/data-formats.md, modality.yaml)")
    known = set(Modality.__dataclass_fields__)
    missing, unknown = sorted(known - set(data)), sorted(set(data) - known)
    if missing or unknown:
        raise ValueError(f"{where}: " + "; ".join(
            ([f"missing keys: {', '.join(missing)}"] if missing else [])
            + ([f"unknown keys: {', '.join(unknown)} (a typo?)"] if unknown else []))
            + " (see docs/data-formats.md, modality.yaml)")
    return Modality(**{k: frozenset(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else str(v)
                       for k, v in data.items()})


@dataclass(frozen=True)
class Candidate:
    """A trigger with its argument heads, before actors are resolved."""

    trigger: Token
    pattern: Pattern
    code: str
    sources: tuple[Token, ...]
    targets: tuple[Token, ...]  # the first slot of the pattern that has words
    path: str  # how the arguments were found, for `rule`
    mood: str  # "asserted" | "intent" | "refusal"
    governor: Token | None  # the intent/refusal verb, when there is one
    # Every filled slot in the pattern's order, so that a slot whose words are not an actor
    # ("troops along the border with Armenia") gives way to the next.
    target_options: tuple[tuple[str, tuple[Token, ...]], ...] = ()
    mutual: bool = False  # talks and negotiations: both directions are coded
    meeting: bool = False  # a meeting (modality.yaml meeting_words): where it is held matters
    # When not empty, the event stands only for sources of these sectors (known after actors
    # are resolved): a rights monitor's report of a killing is an accusation.
    source_sectors: frozenset[str] = frozenset()
    # Made from another candidate of the sentence (the guest's side of a visit, a victim's
    # accusation): an event, but not a trigger word of its own for sentence classification.
    derived: bool = False


def find_candidates(sent: Doc, patterns: PatternSet, modality: Modality | None = None,
                    topics: TopicRules | None = None) -> list[Candidate]:
    modality = modality or load_modality()
    topics = topics or load_topic_rules()
    if sent.text.rstrip().endswith("?"):
        return []
    out: list[Candidate] = []
    # Verbs first: a noun that a verb pattern used as its object ("lifted *sanctions*",
    # "suspended *talks*") is part of that event, not an event of its own.
    tokens = sorted(sent, key=lambda t: 0 if t.pos_ in ("VERB", "AUX") else 1)
    consumed: set[int] = set()
    for tok in tokens:
        if tok.i in consumed:
            continue
        if tok.tag_ == "VBG" and tok.dep_ in SUBJ | PASS_SUBJ and patterns.candidates("noun", tok.lower_):
            # "*Fighting* between the army and the RSF spread to ...": a gerund as a noun
            pats = patterns.candidates("noun", tok.lower_)
        elif tok.pos_ == "VERB" or (tok.pos_ == "AUX" and tok.dep_ == "ROOT" and tok.lemma_ != "be"):
            pats = patterns.candidates("verb", lemma_of(tok))
        elif tok.pos_ in ("NOUN", "PROPN"):
            pats = patterns.candidates("noun", lemma_of(tok))
        else:
            continue
        if not pats:
            continue
        pattern = _choose(tok, pats)
        if pattern is None:
            continue
        if pattern.object:
            consumed.update(t.i for h in _object_tokens(tok) for t in [h, *_counted(h)]
                            if t.lemma_.lower() in pattern.object or t.lower_ in pattern.object
                            or any(f"{c.lemma_.lower()} {t.lemma_.lower()}" in pattern.object
                                   for c in t.children if c.dep_ in ("compound", "amod")))
        mood, governor = _mood(tok, modality)
        if mood == "failed":
            # "failed to reach agreement": a failed act of cooperation is its rejection; any
            # other failed act ("failed to stop the attack") is not an event.
            if pattern.code[:2] not in modality.failure_roots:
                continue
            mood = "refusal"
        if mood == "blocked":
            continue
        # "accused X of war crimes" (1124), "sent troops on a peacekeeping mission" (074)
        code, topic = topics.code_for(pattern.code, tok)
        note = f"topics.yaml rule '{topic}'" if topic else ""
        if code[:2] in modality.weapons_test_roots and any(c.lower_ in modality.weapons_test_words and c.dep_ in (
                "npadvmod", "compound", "amod", "advmod") for c in tok.children):
            code, note = modality.weapons_test_code, "a weapons test (modality.yaml weapons_test_words)"
        if code in modality.by_phone_codes and _by_phone(tok, modality):
            code, note = modality.by_phone_codes[code], "by telephone (modality.yaml phone_words)"
        if mood == "intent":
            code = _intent_code(code, governor, modality)
        elif mood == "refusal":
            code = modality.refuse_code_specific.get(code) or modality.refuse_code.get(code[:2], "120")
        sources, spath = (_verb_sources(tok) if pattern.pos == "verb" else _noun_sources(tok, code, modality))
        options = _target_options(tok, pattern, sources)
        targets, tpath = (options[0][1], f"target={options[0][0]}") if options else ((), "target=none")
        mutual = code[:2] in ("04", "19") and (lemma_of(tok) in modality.mutual or bool(
            pattern.object and pattern.object & modality.mutual & _object_lemmas(tok)))
        meeting = code in modality.home_location and (lemma_of(tok) in modality.meeting_words or bool(
            pattern.object and pattern.object & modality.meeting_words & _object_lemmas(tok)))
        path = (f"{pattern.code}->{code}: {note}; " if note else "") + f"{spath}; {tpath}"
        out.append(Candidate(tok, pattern, code, tuple(sources), tuple(targets),
                             path, mood, governor, tuple(options), mutual, meeting=meeting))
    out = [a for a in (_as_allegation(c, modality) for c in out) if a is not None]
    out.extend(_victim_accusations(out, modality))
    # "X received ministers from Y": the host's act (043) is also the guests' visit (042).
    out.extend(replace(c, code=modality.host_guest[c.code], pattern=replace(c.pattern, converse=True),
                       path=f"{c.path}; the guest's side (modality.yaml host_guest)", derived=True)
               for c in list(out) if c.code in modality.host_guest and c.mood == "asserted")
    out = [_appeal_for(c, modality) for c in out]
    out.extend(_obligations(sent, modality, {c.trigger.i for c in out}))
    out.extend(_appeal_for(c, modality) for c in _appeals(sent, modality, {c.trigger.i for c in out}))
    # "pledged to expel X": the expulsion (as intent) is the event, not a bare "pledge" to X.
    triggered = {c.trigger.i for c in out}
    out = [c for c in out if not (c.path.endswith("target=xcomp-dobj") and any(
        x.dep_ == "xcomp" and x.i in triggered for x in c.trigger.children))]
    # "claimed responsibility for an attack in Nairobi": the attack is what the claim is about,
    # coded as the claim (015), not again as a reported attack.
    claimed = {t.i for c in out if c.code == "015" for t in c.targets}
    out = [c for c in out if c.trigger.i not in claimed]
    # "Israel retaliated *with air strikes* on Gaza": the strikes are the act; the verb that
    # introduces them is not another event.
    by_means = {c.trigger.head.head.i for c in out if c.pattern.pos == "noun" and c.trigger.dep_ == "pobj"
                and c.trigger.head.lower_ == "with" and c.trigger.head.head.pos_ == "VERB"
                and "source=nsubj-of-" in c.path and c.target_options}
    out = [c for c in out if not (c.pattern.pos == "verb" and c.trigger.i in by_means)]
    # "sent troops to Mali to help the army": what an event is for is not another event.
    triggered = {c.trigger.i for c in out}
    out = [c for c in out if not (_is_purpose(c.trigger, modality) and c.trigger.head.i in triggered
                                  and c.code[:2] not in modality.purpose_kept_roots)]
    out.sort(key=lambda c: c.trigger.i)
    return out


def _as_allegation(c: Candidate, modality: Modality) -> Candidate | None:
    """"X claimed that Y attacked Z": X accuses Y. The claim verb is the trigger, its subject
    the source, the doer of the alleged act the target."""
    node = c.trigger
    while node.dep_ == "conj" and node.head.i != node.i:  # "... had attacked Iraq and taken Mosul"
        node = node.head
    head = node.head
    if node.dep_ == "ccomp" and lemma_of(head) in modality.allegation and c.code[:2] not in ROOTS_OF_CONFLICT \
            and c.mood == "asserted":
        # "alleged that France had trained the militias": alleged, not reported as done.
        return None
    if node.dep_ == "ccomp" and lemma_of(head) in modality.allegation and _mood(head, modality)[0] != "asserted":
        # "accused France of lying by claiming that Kigali had committed genocide": a claim
        # itself only alleged (or denied, or planned) makes neither an event nor an accusation.
        return None
    if (node.dep_ != "ccomp" or c.code[:2] not in ROOTS_OF_CONFLICT or not c.sources
            or lemma_of(head) not in modality.allegation):
        return c
    if all(t.pos_ == "PRON" for t in c.sources):
        # "The group claimed that it had attacked X": the speaker is the doer.
        return _rule_candidate(head, modality.claim_own_code,
                               f"modality.yaml claim_own_code ({c.pattern.describe()})", c.targets,
                               f"target-of-claimed-{lemma_of(c.trigger)}", c.target_options)
    return _rule_candidate(head, modality.allegation_code, f"modality.yaml allegation ({c.pattern.describe()})",
                           c.sources, f"doer-of-alleged-{lemma_of(c.trigger)}")


def _victim_accusations(cands: list[Candidate], modality: Modality) -> list[Candidate]:
    """"Israel said a mortar bomb was fired at it from Gaza": a party reporting an attack on
    itself accuses the attacker (112), besides the attack it reports. "The Syrian Observatory
    for Human Rights said eight people were killed in an air strike by government forces": so
    does a rights monitor reporting violence (the sector is checked once actors are known)."""
    out = []
    for c in cands:
        if c.code[:2] not in ("17", "18", "19", "20") or c.mood != "asserted" or not c.sources:
            continue
        node = c.trigger
        while node.dep_ == "conj" and node.head.i != node.i:
            node = node.head
        head = node.head
        if node.dep_ != "ccomp" or lemma_of(head) not in modality.speech:
            continue
        speaker = [t for t in head.children if t.dep_ in SUBJ]
        if not speaker:
            continue
        victim = any(t.lower_ in modality.victim_words or t.lemma_ == speaker[0].lemma_ for t in c.targets)
        rule = "victim_words" if victim else "monitor_sectors"
        accusation = _rule_candidate(head, modality.allegation_code,
                                     f"modality.yaml {rule} ({c.pattern.describe()})", c.sources,
                                     f"doer-of-reported-{lemma_of(c.trigger)}")
        out.append(replace(accusation, derived=True,
                           source_sectors=frozenset() if victim else modality.monitor_sectors))
    return out


def _appeal_for(c: Candidate, modality: Modality) -> Candidate:
    """"urged Y to negotiate" is 026, "asked Y to help" 023: an unspecified appeal takes the
    finer code of what it asks for (`appeal_for` in modality.yaml)."""
    if c.code != "020":
        return c
    for x in c.trigger.children:
        if x.dep_ in ("xcomp", "ccomp") and x.pos_ == "VERB" and lemma_of(x) in modality.appeal_for:
            return replace(c, code=modality.appeal_for[lemma_of(x)], path=f"{c.path}; appeal for '{x.text}'")
    return c


def _rule_candidate(trigger: Token, code: str, where: str, targets: tuple[Token, ...], target_path: str,
                    options: tuple[tuple[str, tuple[Token, ...]], ...] | None = None) -> Candidate:
    """An event a modality rule makes: the trigger verb's subject acts on `targets`."""
    pattern = Pattern(code=code, pos="verb", lemma=lemma_of(trigger), particle=None, object=None,
                      as_object=None, in_object=None, subject=None, target=("rule",), reciprocal=False,
                      example=None, converse=False, where=where)
    sources, spath = _verb_sources(trigger)
    return Candidate(trigger, pattern, code, tuple(sources), targets, f"{spath}; target={target_path}",
                     "asserted", None, options if options is not None else (("rule", targets),))


def _appeals(sent: Doc, modality: Modality, taken: set[int]) -> list[Candidate]:
    """"Obama wants Putin to leave": Obama appeals to Putin. The verb of wanting is the trigger,
    its subject the source, its object (the subject of the infinitive) the target."""
    out = []
    for tok in sent:
        if tok.i in taken or tok.pos_ != "VERB" or lemma_of(tok) not in modality.appeal_verbs:
            continue
        if not _infinitives(tok):
            continue
        # spaCy parses "wants Putin to attack" with Putin as the verb's object or as the
        # infinitive's subject
        targets = [c for c in tok.children if c.dep_ == "dobj"] or _infinitive_subjects(tok)
        if not targets or _mood(tok, modality)[0] != "asserted":
            continue
        out.append(_rule_candidate(tok, modality.appeal_code, "modality.yaml appeal_verbs",
                                   tuple(_with_conj(targets[0])), "who-is-wanted-to-act"))
    return out


def _obligations(sent: Doc, modality: Modality, taken: set[int]) -> list[Candidate]:
    """"X said Y must/should do Z": X demands of (appeals to) Y. The speech verb is the
    trigger, its subject the source, the subject of the reported clause the target."""
    out = []
    for tok in sent:
        if tok.dep_ != "ccomp" or tok.pos_ not in ("VERB", "AUX") or tok.head.i in taken:
            continue
        speech = tok.head
        if lemma_of(speech) not in modality.speech:
            continue
        modal = [c.lower_ for c in tok.children if c.dep_ == "aux" and c.lower_ in modality.obligation_code]
        targets = [c for c in tok.children if c.dep_ in SUBJ]
        if not modal or not targets or any(c.dep_ == "neg" for c in tok.children):
            continue
        mood, _ = _mood(speech, modality)
        if mood != "asserted":
            continue
        out.append(_rule_candidate(speech, modality.obligation_code[modal[0]],
                                   f"modality.yaml obligation_code:{modal[0]}",
                                   tuple(_with_conj(targets[0])), f"subject-of-{modal[0]}-clause"))
    return out


def _intent_code(code: str, governor: Token | None, modality: Modality) -> str:
    root = code[:2]
    if governor is not None and governor.lemma_.lower() == "threaten" and root not in ROOTS_OF_CONFLICT:
        return "130"  # threatening to do something is a threat, whatever the act
    if root in ("03", "13"):
        return code
    if governor is not None and governor.lemma_.lower() in modality.offer_verbs and root in modality.offer_code:
        return modality.offer_code[root]
    return modality.intent_code_specific.get(code) or modality.intent_code.get(root, "030")


# ------------------------------------------------------------------------------------- match

def _choose(tok: Token, pats: list[Pattern]) -> Pattern | None:
    if tok.pos_ in ("NOUN", "PROPN"):  # a noun's "particle" is its compound: "air strike"
        particles = {c.lemma_.lower() for c in tok.children if c.dep_ in ("compound", "amod")}
    else:
        # (the parser sometimes reads the particle as an adverb: "stepped *down*", "backed *down*")
        particles = {c.lower_ for c in tok.children if c.dep_ == "prt" or (
            c.dep_ == "advmod" and c.i == tok.i + 1 and c.lower_ in ADVERB_PARTICLES)}
    objects = _object_lemmas(tok)
    as_objects = _as_lemmas(tok)
    in_objects = _as_lemmas(tok, "in")
    fitting = []
    for p in pats:  # most specific first
        if p.particle and p.particle not in particles:
            continue
        if p.object and not (p.object & objects):
            continue
        if p.as_object and not (p.as_object & as_objects):
            continue
        if p.in_object and not (p.in_object & in_objects):
            continue
        if p.subject and not (p.subject & _subject_lemmas(tok)):
            continue
        if p.plain_object and _has_complement(tok):
            continue
        if p.particle is None and particles and any(q.particle in particles for q in pats):
            continue
        fitting.append(p)
    if not fitting:
        return None
    # Among equally specific patterns, the one whose target the sentence fills: "conduct
    # exercises *with* X" (062) against "conduct exercises *in* X" (150).
    # A reciprocal act of two joint subjects fills it too: "Japan and Australia held joint drills
    # in the Coral Sea" are drills with each other (062), not a show of force there (150); but
    # drills "near Japan" are aimed at Japan.
    top = [p for p in fitting if p.specificity == fitting[0].specificity]
    filled = {id(p): {slot for slot, _ in _target_options(tok, p, [])} - {"object-owner"} for p in top}
    joint_subjects = any(p.reciprocal for p in top) and tok.pos_ == "VERB" and len(_verb_sources(tok)[0]) > 1
    tests = [lambda p: filled[id(p)] - {"prep:in"}, lambda p: p.reciprocal] if joint_subjects else []
    for fits in [*tests, lambda p: filled[id(p)]]:
        for p in top:
            if fits(p):
                return p
    return fitting[0]


def _by_phone(tok: Token, m: Modality) -> bool:
    """ "spoke with X *by phone*", "talked *in a phone call*", "met *via video link*"."""
    for prep in tok.children:
        if prep.dep_ == "prep" and prep.lower_ in ("by", "over", "via", "in", "on"):
            for obj in prep.children:
                words = {obj.lemma_.lower(), obj.lower_} | {
                    f"{c.lower_} {obj.lower_}" for c in obj.children if c.dep_ in ("compound", "amod")}
                if obj.dep_ == "pobj" and words & m.phone_words:
                    return True
    return False


def _has_complement(tok: Token) -> bool:
    """Whether the verb's object comes with a second phrase saying what it is ("called X *a
    liar*", "called X *to* ..."), or the verb takes a preposition ("called *for* / *on*")."""
    objects = [c for c in tok.children if c.dep_ == "dobj"]
    return (any(c.dep_ in ("oprd", "xcomp", "ccomp", "prt") for c in tok.children)
            or any(g.dep_ in ("appos", "acl", "relcl") for o in objects for g in o.children)
            or any(c.dep_ == "prep" and (c.lower_ == "for" or (c.lower_ in ("on", "upon") and c.i == tok.i + 1))
                   for c in tok.children))


def _object_tokens(tok: Token) -> list[Token]:
    """The verb's object; the object of "to/for/on/in/against" only when there is no direct object
    ("called *for* a ceasefire", but not "released a report *on* detainees"). An eventive noun's
    object is its "of" phrase ("the release *of* prisoners", "the deployment *of* troops")."""
    if tok.pos_ in ("NOUN", "PROPN"):
        return [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
                for g in c.children if g.dep_ == "pobj"]
    direct = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "attr", "oprd")]
    if direct:
        return direct
    if tok.dep_ == "conj" and tok.pos_ == "VERB" and any(c.dep_ == "auxpass" for c in tok.children):
        shared = [c for c in tok.head.children if c.dep_ in SUBJ | PASS_SUBJ]  # see _target_options
        if shared:
            return shared
    subjects = _infinitive_subjects(tok)
    if subjects:
        return subjects
    return [g for c in tok.children if c.dep_ == "prep" and c.lower_ in ("to", "for", "on", "in", "against")
            for g in c.children if g.dep_ == "pobj"]


def _infinitives(tok: Token) -> list[Token]:
    """The verb's "to" complements: "allowed refugees *to return*", "wants Putin *to leave*"."""
    return [c for c in tok.children if c.dep_ in ("ccomp", "xcomp")
            and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)]


def _infinitive_subjects(tok: Token) -> list[Token]:
    """"allowed *refugees* to return": spaCy parses the object of allow/permit/want as the
    subject of the infinitive that follows."""
    return [s for c in _infinitives(tok) for s in c.children if s.dep_ == "nsubj"]


# People of a side, not a count of it: "supporters of the government" are not the government.
NOT_COUNTING = OPPONENT_NOUNS | {"supporter", "follower", "loyalist", "ally"}


def _subject_lemmas(tok: Token) -> set[str]:
    """The subject's lemma, and what it counts ("hundreds *of troops*")."""
    out = set()
    for c in tok.children:
        if c.dep_ in SUBJ:
            # ("opponents *of the government*" are not the government)
            counted = [] if c.lemma_.lower() in NOT_COUNTING else [
                g for p in c.children if p.dep_ == "prep" and p.lower_ == "of" for g in p.children if g.dep_ == "pobj"]
            for head in [c, *counted]:
                out.add(head.lemma_.lower())
                # "peacekeeping troops", "riot police": modifier and head as one subject word
                out.update(f"{m.lemma_.lower()} {head.lemma_.lower()}" for m in head.children
                           if m.dep_ in ("compound", "amod"))
    return out


# Heads that only count what follows "of": "released *dozens of* activists", "withdrew *some
# of* its troops" have the activists and the troops as objects.
PARTITIVE = {"some", "all", "most", "many", "several", "dozen", "dozens", "hundred", "hundreds",
             "thousand", "thousands", "million", "millions", "score", "scores", "number", "group",
             "part", "half", "rest", "bulk", "majority", "batch", "handful", "contingent", "few",
             "more", "couple", "none", "one", "two", "three", "four", "five", "six", "seven",
             "eight", "nine", "ten", "remainder", "portion", "share", "lot", "round", "series",
             "wave",
             # measures: "25,000 tons of food aid", "700 kg of medicine", "a shipment of arms"
             "ton", "tons", "tonne", "tonnes", "kg", "kilogram", "kilograms", "shipment",
             "consignment", "cargo", "load", "package", "amount", "quantity", "supply",
             "supplies", "dose", "doses", "unit", "units", "worth", "convoy", "planeload",
             "truckload", "truckloads", "billion", "billions",
             # acts whose "of" names what they move: "allowed the return of inspectors"
             "return", "release", "entry", "deployment", "arrival", "passage", "transfer",
             "third", "quarter", "fraction", "percent", "per cent", "%",
             # people sent as one: "sent a team of doctors", "a unit of engineers"
             "team", "squad", "crew"}


MONEY = {"million", "millions", "billion", "billions", "trillion", "dollar", "dollars", "euro", "euros"}


# Heads that only package what their compound names: "suspended an *aid* program", "halted
# *arms* deliveries" have aid and arms as objects.
CONTAINER = {"program", "programme", "package", "shipment", "delivery", "flow", "supply",
             "tranche", "scheme", "consignment", "transfer", "sale"}


def _counted(h: Token) -> list[Token]:
    """What a partitive head counts ("dozens of *activists*") or a container noun holds ("an
    *aid* package", "a shipment *of weapons*"), else nothing."""
    out = [c for c in h.children if c.dep_ == "compound"] if h.lemma_.lower() in CONTAINER else []
    if h.lower_ in PARTITIVE or h.lemma_.lower() in PARTITIVE or h.pos_ == "NUM":
        # ("$500 million *in* military aid": a sum counts what it is in)
        words = ("of", "in") if h.lower_ in MONEY or any(c.text in ("$", "€", "£") for c in h.children) else ("of",)
        counted = [g for p in h.children if p.dep_ == "prep" and p.lower_ in words
                   for g in p.children if g.dep_ == "pobj"]
        out += counted + [x for g in counted for x in _counted(g)]  # "part of an aid program"
    return out


def _object_lemmas(tok: Token) -> set[str]:
    out = set()
    for h in _object_tokens(tok):
        for head in [h, *_counted(h)]:
            if _is_person(head):
                out.add("@person")
            out.add(head.lemma_.lower())
            out.add(lemma_of(head))
            out.add(head.lower_)
            for comp in head.children:
                # "air strike" (compound) and "military aid" (adjective) as two-word objects
                if comp.dep_ in ("compound", "amod"):
                    out.add(f"{comp.lemma_.lower()} {head.lemma_.lower()}")
                    if comp.i + 2 == head.i and head.doc[comp.i + 1].text == "-":
                        out.add(f"{comp.lower_}{head.lemma_.lower()}")  # "cease-fire" is "ceasefire"
                if head.pos_ == "PROPN" and comp.dep_ == "compound" and comp.pos_ in ("PROPN", "NOUN"):
                    # "received Foreign Minister Faisal bin Farhan": the title is the object's kind.
                    out.add(comp.lower_)
    return out


def _as_lemmas(tok: Token, word: str = "as") -> set[str]:
    out = set()
    for prep in _preps(tok, word, deep=True):
        for obj in prep.children:
            if obj.dep_ == "pobj":
                out.add(obj.lemma_.lower())
                out.update(c.lemma_.lower() for c in obj.children if c.dep_ in ("compound", "amod"))
    return out


# ---------------------------------------------------------------------------------- modality

def _mood(tok: Token, m: Modality) -> tuple[str, Token | None]:
    """asserted, intent (with the governing verb), refusal, or blocked."""
    mood, governor = "asserted", None
    node = tok
    for _ in range(4):
        if node.dep_ == "pcomp" and node.head.lower_ in ("for", "of", "over") and node.head.head.pos_ == "VERB":
            # "jailed X for helping militants", "accused Y of attacking Z" (also "of making
            # accusations *by alleging* ..."): the reason given for another act, alleged
            # rather than reported.
            return "blocked", None
        # ("accused X of looting hospitals *and using* civilians as shields": the second reason too)
        if node.dep_ not in ("pcomp", "prep", "conj") or node.head.i == node.i:
            break
        if node.dep_ == "conj" and node.tag_ in ("VBD", "VBZ") and node.head.tag_ == "VBG":
            # "accused Washington of plotting a coup *and expelled* three diplomats": a finite
            # verb is not part of the gerund's phrase but the main clause's second act.
            break
        node = node.head
    if (tok.dep_ == "conj" and tok.tag_ == "VBG" and tok.head.tag_ in ("VBD", "VBZ", "VBP")
            and not any(c.dep_ in ("aux", "auxpass") or c.dep_ in SUBJ for c in tok.children)):
        # A gerund cannot be coordinated with a finite verb: "accused X of looting hospitals
        # and *using* civilians as shields" is parsed so; it belongs to the phrase before.
        return "blocked", None
    node = tok
    first = True
    via = ""
    while True:
        kids = list(node.children)
        # (a finite conjunct has its own polarity: "said troops were *not* involved and
        # *accused* Azerbaijan of ...")
        own_polarity = via == "conj" and tok.tag_ in ("VBD", "VBZ", "VBP")
        negated = not own_polarity and (any(c.dep_ == "neg" for c in kids) or any(
            c.lower_ in ("never", "no") and c.dep_ in ("advmod", "det", "neg") for c in kids
            if not (first and c.dep_ == "det")))
        if negated:
            # "X will not / would not do Y" is a refusal (CAMEO 12), not a mere absence.
            if first and any(c.dep_ == "aux" and c.lower_ in ("will", "would", "wo", "'ll") for c in kids):
                return "refusal", node
            return "blocked", None
        if first and node.tag_ in ("VBZ", "VBP") and node.dep_ in ("advcl", "relcl") and mood == "asserted" and any(
                c.dep_ == "mark" and c.lower_ in ("before", "until") for c in kids):
            # "... comes a day before Sarkozy heads to Beijing": scheduled, not yet done.
            mood, governor = "intent", None
        for c in kids:
            if c.dep_ in ("aux", "auxpass"):
                if first and c.lower_ == "would" and _reported(node, m) and mood == "asserted":
                    mood, governor = "intent", None  # "Israel announced it would free prisoners"
                    continue
                if c.lower_ in m.modal_aux or c.lemma_.lower() in m.modal_aux:
                    return "blocked", None
                if c.lower_ in m.future_aux and mood == "asserted":
                    mood, governor = "intent", None
            if c.dep_ == "mark" and c.lower_ in m.condition_marks:
                return "blocked", None
        lemma = node.lemma_.lower()
        # A conjoined verb is a sibling, not a governor: "considered and rejected the plan",
        # "scheduled to give a speech and meet with dissidents" (its own governor still counts).
        if not first and via != "conj":
            own_subject = any(c.dep_ in SUBJ for c in tok.children)
            infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)
            if (lemma in m.refuse or lemma in m.intent) and own_subject and (via != "ccomp" or infinitive):
                # "Obama wants Putin to attack": a wish about someone else's act, not an act.
                # ("pledged *that France would* deliver arms" is the pledge's content)
                return "blocked", None
            if lemma in m.refuse and mood == "asserted":
                mood, governor = "refusal", node
            elif lemma in m.failure and mood == "asserted":
                mood, governor = "failed", node
            elif (lemma in m.intent or (lemma in m.scheduled and via == "xcomp")) and mood == "asserted":
                mood, governor = "intent", node
            elif lemma in m.own_intent_speech and via == "ccomp" and mood == "intent" and _own_act(tok, node):
                governor = node  # "Iran warned it would retaliate": its own act, a threat
            elif lemma in m.nonfactive and node.pos_ in ("VERB", "AUX", "ADJ", "NOUN"):
                return "blocked", None
            elif lemma in m.nonfactive_nouns and node.pos_ == "NOUN":
                return "blocked", None
        # A noun trigger is in the scope of the verb it is the object of ("considering sanctions").
        if (node.dep_ not in SCOPE_DEPS and not (first and tok.pos_ == "NOUN" and node.dep_ == "dobj")) \
                or node.head.i == node.i:
            break
        # Reported speech ("X said Y attacked Z") and a clause's own time frame stop the climb
        # only for modality of the reporting verb itself, which we do not code; negation of a
        # reporting verb ("did not say that") still blocks.
        via = node.dep_
        node = node.head
        first = False
    return mood, governor


def _own_act(tok: Token, speaker_verb: Token) -> bool:
    """Whether the clause's subject is the speaker ("Iran warned *it* would retaliate")."""
    subj = next((c for c in tok.children if c.dep_ in SUBJ), None)
    speaker = next((c for c in speaker_verb.children if c.dep_ in SUBJ), None)
    if subj is None or speaker is None:
        return False
    return subj.lower_ in ("it", "they", "he", "she", "we") or subj.lower_ == speaker.lower_


def _is_purpose(tok: Token, m: Modality) -> bool:
    """An infinitive adverbial clause without a subject of its own: "(sent troops) *to help*"."""
    kids = list(tok.children)
    return (tok.dep_ == "advcl" and tok.tag_ == "VB"
            and any(c.dep_ in ("aux", "mark") and c.lower_ in m.purpose_marks for c in kids)
            and not any(c.dep_ in SUBJ for c in kids))


def _reported(tok: Token, m: Modality) -> bool:
    """Whether `tok` is the content of a verb of saying ("said *it would* ...")."""
    node = tok
    for _ in range(3):
        if node.dep_ not in ("ccomp", "conj") or node.head.i == node.i:
            return False
        node = node.head
        if node.lemma_.lower() in m.speech or node.lemma_.lower() in m.intent:
            return True  # ("pledged that France would deliver arms": a pledge's would is intent too)
    return False


# --------------------------------------------------------------------------------- arguments

def _author_of_means(means: Token) -> Token | None:
    """Who used a weapon: "a bomb *by* militants", "a bomb planted *by* X", "a missile
    believed to be fired *by* X"."""
    frontier = [means]
    for _ in range(3):
        nxt = []
        for t in frontier:
            for c in t.children:
                if c.dep_ in ("agent", "prep") and c.lower_ == "by":
                    authors = [g for g in c.children if g.dep_ == "pobj"]
                    if authors:
                        return authors[0]
                if c.dep_ in ("acl", "xcomp"):
                    nxt.append(c)
        frontier = nxt
    return None


def _means_lemma(tok: Token) -> str:
    """"Rockets" at the start of a sentence is tagged a name and keeps its plural."""
    lemma = lemma_of(tok)
    return lemma[:-1] if lemma not in MEANS and lemma.endswith("s") and lemma[:-1] in MEANS else lemma


def weapon_words(tok: Token) -> list[str]:
    """The weapon a violent verb names as its agent, subject or instrument, most specific words
    first: "blown up *by a missile*" ["missile"], "killed *by a roadside bomb*" ["roadside
    bomb", "bomb"], "*a mortar bomb* was fired" ["mortar bomb", "bomb"]."""
    for c in tok.children:
        found = None
        if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ in ("in", "by", "with")):
            found = next((o for o in c.children if o.dep_ == "pobj" and _means_lemma(o) in MEANS), None)
        elif (c.dep_ in SUBJ or (c.dep_ in PASS_SUBJ and lemma_of(tok) in FIRED)) and _means_lemma(c) in MEANS:
            found = c
        if found is not None:
            lemma = _means_lemma(found)
            return [f"{m.lemma_.lower()} {lemma}" for m in found.children
                    if m.dep_ in ("compound", "amod")] + [lemma]
    return []


def _verb_sources(tok: Token) -> tuple[list[Token], str]:
    passive = any(c.dep_ in PASS_SUBJ or c.dep_ == "auxpass" for c in tok.children)
    if passive:
        for c in tok.children:
            if c.dep_ == "agent":
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    # "blown up by a missile believed to be fired by rebels": the means' author.
                    author = _author_of_means(objs[0]) if _means_lemma(objs[0]) in MEANS else None
                    if author is not None:
                        return _with_conj(author), "source=author-of-means"
                    return _with_conj(objs[0]), "source=by-agent"
        # "killed in Israeli tank shelling", "wounded in a Russian air strike": the nationality
        # of the means is the agent.
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("in", "during", "by"):
                for obj in c.children:
                    if obj.dep_ != "pobj":
                        continue
                    # "killed in a roadside bombing by Taliban insurgents": the means' author.
                    author = _author_of_means(obj)
                    if author is not None:
                        return _with_conj(author), "source=by-agent-of-means"
                    for mod in obj.children:
                        if mod.dep_ in ("amod", "compound", "poss") and mod.text[:1].isupper():
                            return [mod], "source=nationality-of-means"
        if lemma_of(tok) in ("engage", "involve"):
            # "Serb forces were engaged in ethnic cleansing": a state, not something done to them.
            subj = [c for c in tok.children if c.dep_ in PASS_SUBJ]
            if subj:
                return _with_conj(subj[0]), "source=nsubj"
        if lemma_of(tok) in FIRED:
            # "a mortar bomb was fired at Israel from the Gaza Strip": where it came from.
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "from":
                    origin = [g for g in c.children if g.dep_ == "pobj"]
                    if origin:
                        return [origin[0]], "source=fired-from"
        return [], "source=none(passive)"
    subj = [c for c in tok.children if c.dep_ in SUBJ]
    # "Barack Obama and Vladimir Putin met": a first name the parser took for a preposition
    # (a capitalised word that is no function word, before the verb), the rest of the name its object.
    first_names = [c for c in tok.children if c.pos_ == "ADP" and c.dep_ in ("nsubj", "prep") and c.i < tok.i
                   and c.text[:1].isupper() and not c.is_stop]
    names = [g for c in first_names for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"]
    if names and (not subj or subj[0] in first_names):
        return _with_conj(names[0]), "source=nsubj"
    if subj:
        # "a roadside bomb planted by Taliban insurgents killed ...": the means' author acts.
        author = _author_of_means(subj[0]) if _means_lemma(subj[0]) in MEANS else None
        if author is not None:
            return _with_conj(author), "source=author-of-means"
        if len(subj) > 1 and all(s.pos_ in ("PROPN", "NOUN") for s in subj) and any(
                c.dep_ == "cc" for s in subj for c in s.children):
            # "Modi and Sharif held talks", parsed with two subjects instead of one coordination
            return [t for s in subj for t in _with_conj(s)], "source=nsubj"
        return _with_conj(subj[0]), "source=nsubj"
    head = tok.head
    if (tok.dep_ == "conj" and head.dep_ == "ccomp" and not any(c.dep_ == "auxpass" for c in tok.children)
            and any(c.dep_ in PASS_SUBJ for c in head.children) and not any(c.dep_ in SUBJ for c in head.children)):
        # "Pashinyan said Armenian troops *were not involved* and *accused* Azerbaijan": an active
        # verb parsed as the conjunct of a passive reported clause is the speaker's second act.
        speaker = [c for c in head.head.children if c.dep_ in SUBJ]
        if speaker:
            return _with_conj(speaker[0]), f"source=nsubj-of-{head.head.lemma_}"
    node = tok
    hops = 0
    # ("Vietnam is *ready to contribute* troops": through the adjective to the copula's subject)
    while node.dep_ in CONTROL_DEPS | {"prep", "pobj", "acomp"} and node.head.i != node.i and hops < 4:
        parent = node.head
        hops += 1
        if node.dep_ == "xcomp":
            obj = [c for c in parent.children if c.dep_ == "dobj"]
            if obj and parent.lemma_.lower() in ("urge", "ask", "persuade", "force", "allow", "invite", "tell"):
                return _with_conj(obj[0]), "source=controller-object"
        subj = [c for c in parent.children if c.dep_ in SUBJ
                or (c.dep_ in PASS_SUBJ and node.dep_ == "xcomp")]  # "X is scheduled to attend"
        if subj and parent.pos_ in ("VERB", "AUX"):
            return _with_conj(subj[0]), f"source=nsubj-of-{parent.lemma_}"
        node = parent
    if tok.dep_ == "acl" and tok.tag_ == "VBN" and tok.head.dep_ == "ROOT" and tok.head.pos_ == "PROPN" and any(
            c.dep_ == "punct" and c.text == "," and c.i < tok.i for c in tok.head.children):
        # "Russia, which has peacekeepers there, *called on* both sides": no main verb found, the
        # participle after the name's commas is it.
        return _with_conj(tok.head), "source=nsubj"
    if tok.dep_ == "acl" and tok.tag_ == "VBN":
        return [], "source=none(participle)"  # "soldiers killed in Ukraine": the noun suffered it
    if tok.dep_ in ("relcl", "acl"):
        noun = tok.head
        if noun.dep_ == "attr":  # "China was the first country to agree ..."
            subj = [c for c in noun.head.children if c.dep_ in SUBJ]
            if subj:
                return _with_conj(subj[0]), "source=subject-of-copula"
        if tok.dep_ == "acl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children):
            return [], "source=none(infinitive)"  # "pressure from Congress to help Iran": not Congress
        return _with_conj(noun), "source=modified-noun"
    return [], "source=none"


def _noun_sources(tok: Token, code: str, modality: Modality) -> tuple[list[Token], str]:
    for c in tok.children:
        if c.dep_ == "poss":
            return _with_conj(c), "source=possessive"
    for prep in _preps(tok, "by"):
        objs = [g for g in prep.children if g.dep_ == "pobj"]
        if objs:
            return _with_conj(objs[0]), "source=by"
    mods = [c for c in tok.children if c.dep_ in ("amod", "compound")]
    mods += [g for c in mods for g in c.children if g.dep_ in ("amod", "compound")]  # "US drone strike"
    for c in mods:
        if c.text[:1].isupper():
            return [c], "source=modifier"
    if lemma_of(tok) in modality.agent_of_nouns:  # "the visit of Xi Jinping to Moscow"
        for prep in _preps(tok, "of"):
            objs = [g for g in prep.children if g.dep_ == "pobj"]
            if objs:
                return _with_conj(objs[0]), "source=of"
    # "said after talks with X", "carried out an attack on X": the verb above the phrase acts,
    # when it is one that does its object (modality.yaml `noun_agent_verbs`).
    node = tok
    hops = 0
    while node.dep_ in ("pobj", "prep", "dobj", "pcomp") and hops < 4:
        if not _passes_agent(node, code, modality):
            break
        node = node.head
        hops += 1
        if node.pos_ in ("VERB", "AUX"):
            if node.dep_ in PASS_SUBJ:
                break
            subj = [c for c in node.children if c.dep_ in SUBJ]
            if subj:
                return _with_conj(subj[0]), f"source=nsubj-of-{node.lemma_}"
            break
    return [], "source=none"


def _passes_agent(node: Token, code: str, modality: Modality) -> bool:
    """Whether the subject above `node` is also the agent of the act named below it."""
    if node.dep_ == "dobj":
        verb = lemma_of(node.head)
        return verb in modality.noun_agent_verbs or verb in modality.intent or verb in modality.refuse \
            or verb in modality.failure
    if node.dep_ == "prep":
        word = node.lower_
        if word == "of":  # "launched a wave *of* attacks"
            return node.head.lower_ in PARTITIVE or node.head.lemma_.lower() in PARTITIVE
        if word in modality.noun_agent_preps_by_root.get(code[:2], ()):
            return True
        verb = node.head.head if node.head.dep_ == "dobj" else node.head  # "took *part* in"
        return word in modality.noun_participation_preps and verb.pos_ in ("VERB", "AUX") \
            and lemma_of(verb) in modality.noun_participation_verbs
    return True


def _target_options(tok: Token, pattern: Pattern, sources: list[Token]) -> list[tuple[str, tuple[Token, ...]]]:
    passive = any(c.dep_ in PASS_SUBJ or c.dep_ == "auxpass" for c in tok.children)
    options = []
    for slot in pattern.target:
        heads: list[Token] = []
        if slot == "dobj":
            deps = PASS_SUBJ if passive else {"dobj"}
            heads = [c for c in tok.children if c.dep_ in deps]
            if not heads and passive and tok.dep_ == "conj" and tok.pos_ == "VERB":
                # "The civilians imprisoned ... were released by Putin", mis-parsed with the
                # passive verb as a conjunct of the first: its subject is the first verb's.
                heads = [c for c in tok.head.children if c.dep_ in SUBJ | PASS_SUBJ]
            if not heads and not passive and pattern.pos == "verb" and pattern.object:
                heads = _infinitive_subjects(tok)
        elif slot == "iobj":
            heads = [c for c in tok.children if c.dep_ == "dative"]
        elif slot == "xcomp-dobj":
            for x in tok.children:
                if x.dep_ == "xcomp":
                    heads = [c for c in x.children if c.dep_ == "dobj"]
                    if heads:
                        break
        elif slot == "ccomp-subj":
            # "alleged that France had armed the militias", "demanded that Minsk free him": the
            # subject of the that-clause.
            for x in tok.children:
                if x.dep_ == "ccomp":
                    heads = [c for c in x.children if c.dep_ in ("nsubj", "nsubjpass")]
                    if heads:
                        break
        elif slot.startswith("object-prep:"):
            # Only on what the act is about, not on the act: "called for a ceasefire *in Sudan*"
            # (not "called in Geneva for a ceasefire").
            word = slot.split(":", 1)[1]
            things = [c for c in tok.children if c.dep_ == "dobj"] + [
                g for c in tok.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
            heads = [g for t in things for p in t.children if p.dep_ == "prep" and p.lower_ == word
                     for g in p.children if g.dep_ == "pobj" and not _is_calendar(g)]
        elif slot.startswith("prep:"):
            # Every such preposition, the trigger's own first: "imposed sanctions on Britain
            # on Friday" has two, and the one naming a day is no target.
            word = slot[5:]
            preps = _preps(tok, word, deep=True, all_levels=True)
            if pattern.pos == "noun" and tok.dep_ == "dobj" and tok.head.pos_ == "VERB":
                # "announced the deployment of troops *to Liberia*": parsed on the verb
                preps += [p for p in _preps(tok.head, word) if p not in preps]
            for prep in preps:
                found = [g for g in prep.children if g.dep_ in ("pobj", "pcomp") and not _is_calendar(g)]
                found = [h for h in found if h not in sources]
                if found:
                    options.append((slot, tuple(t for h in found for t in _with_conj(h))))
            continue
        heads = [h for h in heads if h not in sources]
        if heads:
            targets = []
            for h in heads:
                targets.extend(_with_conj(h))
            options.append((slot, tuple(targets)))
    if pattern.pos == "verb" and pattern.object and "dobj" not in pattern.target and not passive:
        # Last, whose the thing acted on is, when its phrase says so: "rejected *Zelensky's*
        # peace plan", "declined the *Israeli* proposal".
        owners = [m for c in tok.children if c.dep_ == "dobj" for m in c.children
                  if m.dep_ == "poss" or (m.dep_ in ("amod", "compound") and m.text[:1].isupper())]
        owners = [o for o in owners if o not in sources and o.pos_ != "PRON"]
        if owners:
            options.append(("object-owner", tuple(owners)))
    if pattern.pos == "verb" and tok.dep_ == "acl" and tok.tag_ == "VBN" and tok.head not in sources:
        options.append(("modified-noun", (tok.head,)))  # "ten soldiers killed by a mine"
    if pattern.pos == "noun" and tok.dep_ == "pobj" and tok.head.lower_ in ("in", "by") \
            and tok.head.head.pos_ == "VERB":
        # "Four children were killed in Israeli tank shelling": the victims of the clause.
        verb = tok.head.head
        victims = [c for c in verb.children if c.dep_ in PASS_SUBJ]
        if victims and victims[0] not in sources:
            options.append(("victims-of-passive", tuple(_with_conj(victims[0]))))
    if pattern.pos == "noun" and pattern.code[:2] in ("18", "19", "20"):
        # "a Hamas attack in Jerusalem *that killed an American tourist*": the victims of its clause.
        victims = [g for c in tok.children if c.dep_ == "relcl" for g in c.children
                   if g.dep_ == "dobj" and g not in sources]
        if victims:
            options.append(("relcl-dobj", tuple(_with_conj(victims[0]))))
    if pattern.pos == "verb" and (pattern.code[:2] == "07" or pattern.code[:3] == "033"):
        # "provided 200 million euros in aid *to support Afghan refugees*": whom the aid is for.
        helped = [g for c in tok.children if c.dep_ == "advcl" and c.tag_ == "VB" for g in c.children
                  if g.dep_ == "dobj" and g not in sources]
        if helped:
            options.append(("purpose-dobj", tuple(_with_conj(helped[0]))))
    return options


def _is_calendar(tok: Token) -> bool:
    """A day or a number, not an actor; but "met with President Assad Tuesday", mis-parsed
    with the day as the head of the name, still names Assad."""
    if not (tok.lower_ in CALENDAR or tok.like_num):
        return False
    return not any(c.dep_ == "compound" and c.pos_ == "PROPN" and c.lower_ not in CALENDAR for c in tok.children)


CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
            "february", "march", "april", "june", "july", "august", "september", "october",
            "november", "december", "weekend", "week", "month", "year", "day", "night", "morning",
            "evening", "afternoon", "time", "occasion", "behalf", "basis"}


def _preps(tok: Token, word: str, deep: bool = False, all_levels: bool = False) -> list[Token]:
    """Prepositions `word` on the trigger; with `deep`, also on its object and on the object of
    its other prepositions ("agreed to relations *with* X", "signed the agreement *between*");
    with `all_levels`, both the trigger's own and the nested ones, the trigger's first."""
    found = [c for c in tok.children if c.dep_ in ("prep", "agent", "dative") and c.lower_ == word]
    if (found and not all_levels) or not deep:
        return found
    for c in tok.children:
        nested = []
        if c.dep_ in ("dobj", "nsubjpass", "attr"):
            # ... and on what the object counts or is made of: "announced $500 million *in
            # military aid* for Ukraine"
            nested = [c, *[g for p in c.children if p.dep_ == "prep" and p.lower_ in ("in", "of")
                           for g in p.children if g.dep_ == "pobj"]]
        elif c.dep_ == "prep":
            nested = [g for g in c.children if g.dep_ == "pobj"]
        for n in nested:
            found += [g for g in n.children if g.dep_ == "prep" and g.lower_ == word]
    return found


def _stranded_speaker(tok: Token) -> bool:
    """"... killing 30 civilians, *local media and a resistance group* said": the speakers of a
    sentence-final "said" with no subject, parsed as more objects."""
    root = tok.sent.root
    return (tok.dep_ == "conj" and tok.right_edge.i + 1 == root.i and root.lemma_.lower() in SPEECH_VERBS
            and not any(c.dep_ in SUBJ for c in root.children))


SPEECH_VERBS = {"say", "report", "tell", "add", "state", "announce", "confirm"}


def _with_conj(tok: Token) -> list[Token]:
    """'Egypt and Sudan' → both; 'The US, Russia, and Switzerland' (parsed as an apposition
    with a conjunct) → all three."""
    out = [tok, *[c for c in tok.conjuncts if c.i > tok.i and not _stranded_speaker(c)]]
    # "Xi and Russian President Vladimir Putin", mis-parsed with "Xi" as a modifier of Putin
    # (not "US and British activists": there the names qualify a common noun)
    if tok.pos_ == "PROPN":
        out[:0] = [c for c in tok.children if c.dep_ == "nmod" and c.pos_ == "PROPN" and c.i < tok.i
                   and any(g.dep_ == "cc" and g.lower_ in ("and", "&") for g in c.children)]
    for c in tok.children:
        if c.dep_ == "appos" and c.pos_ == "PROPN" and any(g.dep_ == "conj" for g in c.children):
            out += [c, *[g for g in c.conjuncts if g.i > c.i]]
    return out

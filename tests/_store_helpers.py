"""Helpers for the store tests: hand-made documents and events, a fake coder, and a small
command-line entry point the multi-process tests run as a real separate process.

A "line-coded" document has one event per line, written as
    SOURCE TARGET CODE DATE [COUNTRY] [PLACE]
e.g. "CHNGOV AFGINS 042 2021-07-28 CHN Tianjin". The fake coder turns each line into the
`Event` the real coder would produce for a sentence (same record, same id recipe), so the
store can be tested without spaCy and while the real coder is being written.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Iterable, Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from whowhom.records import (  # noqa: E402
    CODER_VERSION, Actor, Document, Event, Location, Plover, Trigger, make_event_id,
)

CAMEO = {  # code: (label, goldstein, quad, plover)
    "010": ("Make statement", 0.0, 1, None),
    "036": ("Express intent to meet or negotiate", 4.0, 1, "AGREE"),
    "040": ("Consult", 1.0, 1, "CONSULT"),
    "042": ("Make a visit", 1.9, 1, "CONSULT"),
    "043": ("Host a visit", 2.8, 1, "CONSULT"),
    "057": ("Sign formal agreement", 8.0, 1, "COOPERATE"),
    "071": ("Provide economic aid", 7.4, 2, "AID"),
    "111": ("Criticize or denounce", -2.0, 3, "ACCUSE"),
    "112": ("Accuse", -2.0, 3, "ACCUSE"),
    "163": ("Impose embargo, boycott, or sanctions", -8.0, 4, "SANCTION"),
    "190": ("Use conventional military force", -10.0, 4, "ASSAULT"),
    "1821": ("Sexually assault", -9.0, 4, "ASSAULT"),
}
COUNTRY_POINTS = {"CHN": ("China", 35.0, 105.0), "AFG": ("Afghanistan", 33.0, 65.0),
                  "RUS": ("Russia", 60.0, 90.0), "UKR": ("Ukraine", 49.0, 32.0),
                  "USA": ("United States", 39.8, -98.6)}


def event_for(doc_id: str, sentence_id: int, sentence: str, sentence_start: int, src: str,
              tgt: str, code: str, date: str | None, country: str | None = None,
              place: str | None = None, confidence: float = 0.9,
              coder_version: str = CODER_VERSION) -> Event:
    label, gold, quad, plover = CAMEO.get(code, ("Some event", 0.0, 1, None))
    trig_start = sentence_start + len(src) + 1 + len(tgt) + 1
    location = None
    if country or place:
        name, lat, lon = COUNTRY_POINTS.get(country or "", (country, None, None))
        location = Location(name=place or name or "", country=country, lat=lat, lon=lon,
                            feature="city" if place else "country")
    precision = {10: "day", 7: "month", 4: "year"}.get(len(date or ""))
    return Event(
        event_id=make_event_id(doc_id, sentence_id, trig_start, src, tgt, code),
        doc_id=doc_id, sentence_id=sentence_id, sentence=sentence,
        source=Actor(text=src, code=src, country=src[:3], sector=src[3:] or None, name=src,
                     start=sentence_start, end=sentence_start + len(src),
                     resolved_by="dictionary"),
        target=Actor(text=tgt, code=tgt, country=tgt[:3], sector=tgt[3:] or None, name=tgt,
                     start=sentence_start + len(src) + 1,
                     end=sentence_start + len(src) + 1 + len(tgt), resolved_by="dictionary"),
        code=code, root_code=code[:2], label=label, goldstein=gold, quad_class=quad,
        plover=Plover(event_type=plover or "", mode=None),
        trigger=Trigger(text=code, start=trig_start, end=trig_start + len(code), lemma=code),
        confidence=confidence, rule=f"fake:{code}", date=date, date_precision=precision,
        date_source="sentence" if date else None, date_text=date, location=location,
        sentence_start=sentence_start, sentence_end=sentence_start + len(sentence),
        coder_version=coder_version,
    )


def line_doc(doc_id: str, lines: list[str], *, outlet: str | None = None, url: str | None = None,
             date: str | None = None, title: str | None = None) -> Document:
    # a last line naming the document (not an event) keeps texts of different documents apart
    return Document(id=doc_id, text="\n".join([*lines, f"({doc_id})"]), title=title or doc_id,
                    date=date, url=url,
                    source=f"test:{doc_id}", outlet=outlet)


class FakeCoder:
    """Codes line-coded documents (see the module doc). `delay` seconds per document."""

    def __init__(self, version: str = CODER_VERSION, delay: float = 0.0, drop_code: str | None = None):
        self.version = version
        self.delay = delay
        self.drop_code = drop_code

    def code(self, doc: Document) -> list[Event]:
        if self.delay:
            time.sleep(self.delay)
        out = []
        pos = 0
        for i, line in enumerate(doc.text.split("\n")):
            parts = line.split()
            if len(parts) >= 4:
                src, tgt, code, date = parts[:4]
                country = parts[4] if len(parts) > 4 else None
                place = parts[5] if len(parts) > 5 else None
                if code != self.drop_code:
                    out.append(event_for(doc.id, i, line, pos, src, tgt, code,
                                         None if date == "-" else date,
                                         None if country in (None, "-") else country, place,
                                         coder_version=self.version))
            pos += len(line) + 1
        return out

    def code_many(self, docs: Iterable[Document], batch_size: int = 16
                  ) -> Iterator[tuple[Document, list[Event]]]:
        for d in docs:
            yield d, self.code(d)


def synthetic_corpus(n_docs: int, seed: int = 7) -> list[Document]:
    """A corpus where many events are reported by several outlets on neighbouring days."""
    import random
    rnd = random.Random(seed)
    actors = ["CHNGOV", "AFGINS", "RUSGOV", "UKRMIL", "USAGOV", "CHNMIL", "RUSMIL"]
    codes = list(CAMEO)
    happenings = []
    for _ in range(max(1, n_docs // 2)):
        s, t = rnd.sample(actors, 2)
        day = 1 + rnd.randrange(27)
        happenings.append((s, t, rnd.choice(codes), f"2021-0{1 + rnd.randrange(9)}-{day:02d}",
                           rnd.choice(["CHN", "AFG", "RUS", "-", "-"])))
    docs = []
    for i in range(n_docs):
        lines = []
        for (s, t, c, d, ctry) in rnd.sample(happenings, min(3, len(happenings))):
            r = rnd.random()
            if r < 0.3:  # reported the next day
                d = d[:8] + f"{int(d[8:]) + 1:02d}"
            elif r < 0.4:  # or only as "in <month>"
                d = d[:7]
            lines.append(f"{s} {t} {c} {d} {ctry}")
        docs.append(line_doc(f"doc{i:05d}", lines, outlet=f"outlet{rnd.randrange(6)}",
                             date="2021-10-01"))
    return docs


def write_line_corpus(folder: str, n_docs: int, seed: int = 7) -> list[Document]:
    """Write `synthetic_corpus(n_docs)` as .jsonl (id, text, date, outlet) files, 10 per file."""
    import json
    docs = synthetic_corpus(n_docs, seed)
    os.makedirs(folder, exist_ok=True)
    for k in range(0, len(docs), 10):
        with open(os.path.join(folder, f"part{k // 10:04d}.jsonl"), "w", encoding="utf-8") as fh:
            for d in docs[k:k + 10]:
                fh.write(json.dumps({"id": d.id, "text": d.text, "date": d.date,
                                     "outlet": d.outlet}) + "\n")
    return docs


def _main(argv: list[str]) -> int:
    """Entry points for the multi-process tests (each a real, separate process):

    cli-ingest DB FOLDER DELAY BATCH   `whowhom ingest FOLDER --db DB` with the fake coder
    hold-session DB SECONDS            hold the store's writer lock (a running ingest)
    hold-duckdb DB SECONDS             hold the DuckDB file read-write (a foreign writer)
    fsize DB FOLDER BYTES              ingest with the file size limited to BYTES (full disk)
    query DB SECONDS                   query in a loop; print counts of answers and errors
    """
    from whowhom.store import Store, StoreError
    cmd, db = argv[0], argv[1]
    if cmd == "cli-ingest":
        folder, delay, batch = argv[2], float(argv[3]), argv[4]
        import whowhom.store.commands as commands
        commands._make_coder = lambda args: FakeCoder(delay=delay)
        from whowhom.cli import main
        return main(["ingest", folder, "--db", db, "--batch-size", batch, "--quiet"])
    if cmd == "hold-session":
        from whowhom.store.connection import writer_session
        Store(db)
        with writer_session(db):
            print("HOLDING", flush=True)
            time.sleep(float(argv[2]))
        return 0
    if cmd == "hold-duckdb":
        import duckdb
        con = duckdb.connect(db)
        print("HOLDING", flush=True)
        time.sleep(float(argv[2]))
        con.close()
        return 0
    if cmd == "fsize":
        import resource
        import signal
        folder, limit = argv[2], int(argv[3])
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        import whowhom.store.commands as commands
        commands._make_coder = lambda args: FakeCoder()
        from whowhom.cli import main
        return main(["ingest", folder, "--db", db, "--batch-size", "1000", "--quiet"])
    if cmd == "query":
        seconds = float(argv[2])
        store = Store(db, read_only=True, timeout=30)
        end = time.monotonic() + seconds
        ok = errors = 0
        worst = 0.0
        seen = set()
        while time.monotonic() < end:
            t = time.monotonic()
            try:
                seen.add(store.stats()["documents"])
                store.dyads(by="month")
                store.events(limit=5)
                ok += 1
            except StoreError as exc:
                errors += 1
                print("ERROR", exc, flush=True)
            worst = max(worst, time.monotonic() - t)
            time.sleep(0.01)
        print(f"QUERIES ok={ok} errors={errors} worst={worst:.3f} distinct_counts={len(seen)}",
              flush=True)
        return 0
    raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

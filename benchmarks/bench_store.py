"""Benchmark of the event store (whowhom.store.Store).

    python benchmarks/bench_store.py                 # 5,000,000 events (~8.2 M mentions)
    python benchmarks/bench_store.py --events 200000 # quicker
    python benchmarks/bench_store.py --no-parquet    # skip the --from-parquet measurement

1. Builds a synthetic store of at least --events deduplicated events: articles reporting
   "happenings" (a dyad, a CAMEO code, a day, maybe a place) with realistic skew — a few
   countries and codes dominate (Zipf), dates over ten years, 1-8 reports per happening, 30% of
   re-reports dated a day later, 60% without a location — generated in Arrow batches and
   written through `Store.add_arrow` (content-hash check, dedup, events and actors tables,
   one transaction per batch). Prints the insert rate: events stored per second of store
   calls, everything included (content-hash check, mentions, deduplication, events, actors,
   commit and checkpoint), with the CPU time and the machine's load average beside it.
1b. The bulk path `whowhom ingest --from-parquet`: the same corpus written as a shard folder
   (as `whowhom code -o FOLDER/` writes it; --shard-docs documents per part file; with
   chronological batches each batch's articles in the order of their earliest report, like an
   archive in date order), loaded into a new store with `Store.add_shards`. Prints its rate
   (reading the Parquet files included) and checks that it stored the same documents, mentions
   and events (ids and counts) as the full path.
2. Times the queries the dashboard calls: one dyad's monthly series, all dyads by month,
   filtered events, one event with its mentions, top actors, the network, text search —
   each on a fresh read-only connection, as a server request would.
3. Deduplication quality on a corpus with known duplicates: mentions in, events out, and how
   many events mix two different happenings (purity) / how many happenings were split.

Targets (issue 5): >= 100,000 events/s stored; dyad monthly series < 1 s at 5 M events.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from whowhom.store import Store  # noqa: E402

COUNTRIES = ["USA", "CHN", "RUS", "UKR", "GBR", "FRA", "DEU", "IRN", "ISR", "PSE", "SYR", "IRQ",
             "AFG", "PAK", "IND", "JPN", "KOR", "PRK", "TUR", "SAU", "EGY", "NGA", "ZAF", "BRA",
             "MEX", "VEN", "COL", "ETH", "SDN", "SOM", "YEM", "LBN", "LBY", "MLI", "NER", "KEN",
             "IDN", "PHL", "MMR", "THA", "VNM", "AUS", "CAN", "ITA", "ESP", "POL", "BLR", "GEO",
             "ARM", "AZE", "KAZ", "UZB", "TWN", "HKG", "QAT", "ARE", "JOR", "DZA", "MAR", "TUN"]
SECTORS = ["GOV", "GOV", "GOV", "MIL", "", "OPP", "REB", "BUS", "MED", "CVL", "COP", "JUD"]
CODES = {  # code: (weight, goldstein, quad, plover)
    "010": (12, 0.0, 1, ""), "012": (3, -0.1, 1, ""), "013": (3, 0.4, 1, ""),
    "020": (4, 3.0, 1, ""), "036": (5, 4.0, 1, "AGREE"), "040": (8, 1.0, 1, "CONSULT"),
    "042": (6, 1.9, 1, "CONSULT"), "043": (6, 2.8, 1, "CONSULT"), "046": (4, 7.0, 1, "CONSULT"),
    "051": (4, 3.4, 1, "SUPPORT"), "057": (2, 8.0, 1, "COOPERATE"), "061": (2, 6.4, 2, "COOPERATE"),
    "071": (2, 7.4, 2, "AID"), "073": (1, 7.4, 2, "AID"), "084": (1, 7.0, 2, "RETREAT"),
    "090": (1, -2.0, 3, "ACCUSE"), "100": (1, -5.0, 3, "REQUEST"), "111": (5, -2.0, 3, "ACCUSE"),
    "112": (4, -2.0, 3, "ACCUSE"), "120": (2, -4.0, 3, "REJECT"), "130": (2, -4.4, 3, "THREATEN"),
    "138": (1, -7.0, 3, "THREATEN"), "141": (2, -6.5, 4, "PROTEST"), "163": (1, -8.0, 4, "SANCTION"),
    "173": (3, -5.0, 4, "COERCE"), "190": (4, -10.0, 4, "ASSAULT"), "193": (2, -10.0, 4, "ASSAULT"),
    "180": (2, -9.0, 4, "ASSAULT"), "1823": (1, -10.0, 4, "ASSAULT"), "154": (1, -7.2, 4, "MOBILIZE"),
}
VERBS = ["met", "criticised", "visited", "accused", "signed a deal with", "attacked", "hosted",
         "urged", "warned", "praised"]
START_DAY = int(np.datetime64("2015-01-01", "D").astype(np.int64))
N_DAYS = 3652


def zipf_choice(rng: np.random.Generator, n_items: int, size: int, a: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=w / w.sum())


def hex_ids(rng: np.random.Generator, n: int, width: int = 20) -> pa.Array:
    raw = rng.integers(0, 16, size=(n, width), dtype=np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[raw]
    return pc.cast(pa.array(chars.view(f"S{width}").ravel()), pa.string())


def make_corpus(n_happen: int, rng: np.random.Generator, max_reports: int = 8,
                first_doc: int = 0, span: tuple[float, float] = (0.0, 1.0)
                ) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """Documents and mentions for `n_happen` happenings dated in `span` (fractions of the ten
    years); returns (docs, mentions, happening id per mention)."""
    codes = list(CODES)
    cw = np.array([CODES[c][0] for c in codes], float)
    src_c = zipf_choice(rng, len(COUNTRIES), n_happen)
    tgt_c = zipf_choice(rng, len(COUNTRIES), n_happen)
    tgt_c = np.where(tgt_c == src_c, (tgt_c + 1) % len(COUNTRIES), tgt_c)
    src_s = rng.integers(0, len(SECTORS), n_happen)
    tgt_s = rng.integers(0, len(SECTORS), n_happen)
    code = rng.choice(len(codes), size=n_happen, p=cw / cw.sum())
    lo, hi = span  # news volume grows over time: day ~ N_DAYS * sqrt(uniform)
    day = START_DAY + (N_DAYS * np.sqrt(rng.uniform(lo * lo, hi * hi, n_happen))).astype(np.int64)
    loc = rng.random(n_happen)
    loc_c = np.where(loc < 0.6, -1, np.where(loc < 0.85, src_c, tgt_c))
    # reports per happening: 1 + geometric, capped
    reports = np.minimum(1 + rng.geometric(0.62, n_happen) - 1, max_reports)
    hid = np.repeat(np.arange(n_happen), reports)
    n = hid.size
    late = rng.random(n) < 0.3
    mday = day[hid] + late
    month_only = rng.random(n) < 0.03
    # mentions -> documents: ~5 mentions per document, shuffled so a document mixes happenings
    perm = rng.permutation(n)
    hid, mday, month_only = hid[perm], mday[perm], month_only[perm]
    n_docs = max(1, n // 5)
    doc_of = np.sort(rng.integers(0, n_docs, n))
    doc_ids = pc.cast(pa.array(np.char.add(b"d", np.char.zfill(
        np.arange(first_doc, first_doc + n_docs).astype("S12"), 10))), pa.string())

    def country_codes(idx: np.ndarray, sect: np.ndarray) -> pa.Array:
        return pc.cast(pa.array(np.char.add(np.array(COUNTRIES, "S3")[idx],
                                            np.array(SECTORS, "S3")[sect])), pa.string())

    s_code = country_codes(src_c[hid], src_s[hid])
    t_code = country_codes(tgt_c[hid], tgt_s[hid])
    s_ctry = pa.array(np.array(COUNTRIES)[src_c[hid]])
    t_ctry = pa.array(np.array(COUNTRIES)[tgt_c[hid]])
    ev_code = pa.array(np.array(codes)[code[hid]])
    dates = mday.astype("datetime64[D]").astype(str)
    dates = np.where(month_only, np.char.ljust(dates.astype("U7"), 7), dates)
    lc = loc_c[hid]
    loc_country = pa.array(np.where(lc >= 0, np.array(COUNTRIES)[np.maximum(lc, 0)], None))
    verbs = np.array(VERBS)[rng.integers(0, len(VERBS), n)]
    sentence = pc.binary_join_element_wise(
        s_code, pa.array(verbs), t_code,
        pa.array(np.full(n, "in a statement reported by several agencies on")), pa.array(dates), " ")
    gold = np.array([CODES[c][1] for c in codes])[code[hid]]
    quad = np.array([CODES[c][2] for c in codes])[code[hid]]
    plover = np.array([CODES[c][3] for c in codes])[code[hid]]
    mentions = pa.table({
        "mention_id": hex_ids(rng, n), "doc_id": pc.take(doc_ids, pa.array(doc_of)),
        "sentence_id": pa.array(rng.integers(0, 30, n), pa.int32()), "sentence": sentence,
        "source_text": s_code, "source_code": s_code, "source_country": s_ctry,
        "source_name": s_ctry, "target_text": t_code, "target_code": t_code,
        "target_country": t_ctry, "target_name": t_ctry, "code": ev_code,
        "root_code": pc.utf8_slice_codeunits(ev_code, 0, 2), "label": ev_code,
        "goldstein": gold, "quad_class": pa.array(quad, pa.int32()),
        "plover_event_type": pa.array(plover), "trigger_text": pa.array(verbs),
        "trigger_start": pa.array(np.full(n, 7), pa.int32()),
        "trigger_end": pa.array(np.full(n, 12), pa.int32()),
        "confidence": rng.random(n) * 0.5 + 0.5, "rule": pa.array(np.full(n, "bench")),
        "date": pa.array(dates), "location_country": loc_country,
        "location_name": loc_country, "sentence_start": pa.array(np.zeros(n), pa.int32()),
        "sentence_end": pa.array(np.full(n, 80), pa.int32()),
        "coder_version": pa.array(np.full(n, "bench")),
    })
    outlets = np.array([f"outlet{i}.example" for i in range(400)])
    docs = pa.table({
        "id": doc_ids, "url": pc.binary_join_element_wise("https://news.example/", doc_ids, ""),
        "title": doc_ids, "pub_date": pa.array(np.full(n_docs, "2024-12-31")),
        "outlet": pa.array(outlets[zipf_choice(rng, len(outlets), n_docs, 0.8)]),
        "content_hash": hex_ids(rng, n_docs, 40),
        "coder_version": pa.array(np.full(n_docs, "bench")),
        "text": pc.binary_join_element_wise(pa.array(np.full(n_docs, "Synthetic article")),
                                            doc_ids, " "),
    })
    return docs, mentions, hid


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def corpus_batches(n_events: int, batch_happenings: int, seed: int, order: str):
    """The benchmark corpus batch by batch, until it holds about `n_events` events: (docs,
    mentions) of ~`batch_happenings` happenings each. The same arguments give the same corpus."""
    rng = np.random.default_rng(seed)
    target_happen = int(n_events * 1.02) + 1  # dedup leaves ~1 event per happening
    n_batches = max(1, -(-target_happen // batch_happenings))
    first_doc = 0
    b = 0
    while True:
        k = -(-target_happen // n_batches)
        span = (b / n_batches, (b + 1) / n_batches) if order == "chronological" and b < n_batches \
            else (0.0, 1.0)
        b += 1
        docs, ments, _ = make_corpus(k, rng, first_doc=first_doc, span=span)
        first_doc += docs.num_rows
        yield docs, ments


def bench_insert(path: str, n_events: int, batch_happenings: int, seed: int,
                 order: str) -> tuple[Store, int]:
    store = Store(path)
    n_batches = 0
    total_mentions = total_docs = 0
    load_before = os.getloadavg()[0]
    write_s = 0.0
    cpu_s = 0.0
    t_all = time.perf_counter()
    for docs, ments in corpus_batches(n_events, batch_happenings, seed, order):
        t, c = time.perf_counter(), time.process_time()
        stats = store.add_arrow(docs, ments, batch_documents=docs.num_rows)
        dt = time.perf_counter() - t
        n_batches += 1
        write_s += dt
        cpu_s += time.process_time() - c
        total_mentions += stats.mentions_added
        total_docs += stats.documents_added
        print(f"  batch: {docs.num_rows:,} docs, {ments.num_rows:,} mentions -> events "
              f"{stats.events_after:,} in {dt:.1f} s", flush=True)
        if stats.events_after >= n_events:
            break
    events = store.count_events()
    print(f"stored {total_docs:,} documents, {total_mentions:,} mentions, {events:,} events; "
          f"file {os.path.getsize(path) / 1e6:,.0f} MB")
    print(f"INSERT (full path, Store.add_arrow): {write_s:.1f} s in store calls "
          f"({time.perf_counter() - t_all:.1f} s with generation): {events / write_s:,.0f} "
          f"events/s, {total_mentions / write_s:,.0f} mentions/s")
    print(f"        CPU time of the store calls {cpu_s:.1f} s (all threads; "
          f"{events / max(cpu_s, 1e-9):,.0f} events per CPU-second); load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")
    return store, n_batches


def write_shards(folder: str, n_events: int, batch_happenings: int, seed: int, order: str,
                 shard_docs: int, n_batches: int) -> int:
    """Write the benchmark corpus as a shard folder like `whowhom code -o FOLDER/`: per part,
    documents/part-N.parquet (with `num_events`) and events/part-N.parquet (flat event columns,
    in document order). Returns the number of parts."""
    import pyarrow.parquet as pq

    from whowhom.output import parquet_schema
    from whowhom.parallel.shards import document_schema, part_name
    esch, dsch = parquet_schema(), document_schema()
    os.makedirs(os.path.join(folder, "documents"), exist_ok=True)
    os.makedirs(os.path.join(folder, "events"), exist_ok=True)
    no = 0
    batches = corpus_batches(n_events, batch_happenings, seed, order)
    for _ in range(n_batches):
        docs, ments = next(batches)
        doc_of = pc.index_in(ments.column("doc_id"), value_set=docs.column("id")).to_numpy(
            zero_copy_only=False)
        if order == "chronological":
            # an archive in date order: the batch's articles sorted by their earliest report
            day = pc.rank(ments.column("date"), tiebreaker="dense").to_numpy()  # ISO: sorts as dates
            first = np.full(docs.num_rows, np.iinfo(np.int64).max)
            np.minimum.at(first, doc_of, day)
            by_date = np.argsort(first, kind="stable")
            rank = np.empty_like(by_date)
            rank[by_date] = np.arange(by_date.size)
            docs = docs.take(pa.array(by_date))
            m_order = np.argsort(rank[doc_of], kind="stable")
            ments = ments.take(pa.array(m_order))
            doc_of = rank[doc_of][m_order]
        counts = np.bincount(doc_of, minlength=docs.num_rows)
        ments = ments.rename_columns(["event_id" if c == "mention_id" else c
                                      for c in ments.column_names])
        ev = pa.table({f.name: (ments.column(f.name).cast(f.type) if f.name in ments.column_names
                                else pa.nulls(ments.num_rows, f.type)) for f in esch})
        dt = pa.table({f.name: (docs.column(f.name).cast(f.type) if f.name in docs.column_names
                                else pa.nulls(docs.num_rows, f.type)) for f in dsch if f.name != "num_events"})
        dt = dt.append_column("num_events", pa.array(counts, pa.int64()))
        starts = np.concatenate([[0], np.cumsum(counts)])
        for lo in range(0, docs.num_rows, shard_docs):
            hi = min(lo + shard_docs, docs.num_rows)
            pq.write_table(ev.slice(starts[lo], starts[hi] - starts[lo]),
                           os.path.join(folder, "events", part_name(no)))
            pq.write_table(dt.slice(lo, hi - lo), os.path.join(folder, "documents", part_name(no)))
            no += 1
    return no


def _fingerprint(store: Store) -> tuple:
    """Row counts and order-independent hashes of what deduplication decides."""
    with store.reader() as con:
        return (
            con.execute("SELECT count(*), sum(hash(id, content_hash, num_mentions)) "
                        "FROM documents").fetchone(),
            con.execute("SELECT count(*), sum(hash(mention_id, event_id)) FROM mentions").fetchone(),
            con.execute("SELECT count(*), sum(hash(event_id, gid, date, num_mentions, num_sources, "
                        "num_articles, confidence, is_root, location_country, source_url)) "
                        "FROM events").fetchone())


def bench_parquet(tmp: str, full: Store, n_batches: int, n_events: int, batch_happenings: int,
                  seed: int, order: str, shard_docs: int) -> None:
    folder = os.path.join(tmp, "shards")
    t = time.perf_counter()
    parts = write_shards(folder, n_events, batch_happenings, seed, order, shard_docs, n_batches)
    print(f"  wrote the corpus as {parts:,} shard pairs of {shard_docs:,} documents in "
          f"{time.perf_counter() - t:.1f} s (not timed below)", flush=True)
    path = os.path.join(tmp, "from-parquet.duckdb")
    store = Store(path)
    load_before = os.getloadavg()[0]
    t, c = time.perf_counter(), time.process_time()
    stats = store.add_shards([folder], progress=False)
    secs, cpu = time.perf_counter() - t, time.process_time() - c
    events = store.count_events()
    same = _fingerprint(store) == _fingerprint(full)
    print(f"INSERT (bulk path, ingest --from-parquet = Store.add_shards): {secs:.1f} s, "
          f"{stats.batches} transactions: {events / secs:,.0f} events/s, "
          f"{stats.mentions_added / secs:,.0f} mentions/s (reading the shards included)")
    print(f"        CPU {cpu:.1f} s; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after; the same documents, mentions and events (ids, "
          f"counts) as the full path: {'yes' if same else 'NO'}")
    shutil.rmtree(folder, ignore_errors=True)


def bench_queries(store: Store) -> None:
    top = store.network(limit=1)[0]
    src, tgt = top["source"], top["target"]
    ev = store.events(limit=1, order="-mentions")[0]
    cases = [
        (f"dyad monthly series {src}->{tgt}", lambda: store.dyads(source=src, target=tgt, by="month")),
        ("dyad monthly series USA->CHN (prefix)", lambda: store.dyads(source="USA", target="CHN", by="month")),
        ("all events by month (timeline)", lambda: store.dyads(by="month")),
        ("all dyads by month (split)", lambda: store.dyads(by="month", split=True, level="country", arrow=True)),
        ("weekly series RUS->UKR 2022", lambda: store.dyads(source="RUS", target="UKR", by="week", since="2022", until="2022")),
        ("events code=04 country=RUS since 2021 (100)", lambda: store.events(code="04", country="RUS", since="2021-01-01", limit=100)),
        ("events source=CHN quad=4 by mentions (50)", lambda: store.events(source="CHN", quad_class=4, order="-mentions", limit=50)),
        ("count events root=19 2020", lambda: store.count_events(root="19", since="2020", until="2020")),
        ("event(id) with mentions", lambda: store.event(ev["event_id"])),
        ("actors top 20", lambda: store.actors(top=20)),
        ("actors top 20 since 2023", lambda: store.actors(top=20, since="2023")),
        ("network by country (500 edges)", lambda: store.network(level="country")),
        ("places (500)", lambda: store.places()),
        ("text contains 'signed a deal' (20)", lambda: store.events(text="signed a deal", source="USA", limit=20)),
    ]
    print("QUERIES (best of 3, each opening the file read-only like a server request):")
    for name, fn in cases:
        secs, out = timed(fn)
        n = out.num_rows if hasattr(out, "num_rows") else (len(out) if hasattr(out, "__len__") else out)
        print(f"  {name:<48} {secs * 1000:8.1f} ms  ({n} rows)")


def bench_dedup(n_happen: int, seed: int) -> None:
    rng = np.random.default_rng(seed + 1)
    docs, ments, truth = make_corpus(n_happen, rng, max_reports=8)
    d = tempfile.mkdtemp(prefix="whowhom-dedup-")
    try:
        store = Store(os.path.join(d, "dedup.duckdb"))
        t = time.perf_counter()
        store.add_arrow(docs, ments)
        secs = time.perf_counter() - t
        with store.reader() as con:
            assign = con.sql("SELECT mention_id, event_id FROM mentions").to_arrow_table()
        m_of = dict(zip(ments.column("mention_id").to_pylist(), truth.tolist()))
        ev_ids = assign.column("event_id").to_pylist()
        hs = np.array([m_of[m] for m in assign.column("mention_id").to_pylist()])
        _, ev_idx = np.unique(np.array(ev_ids), return_inverse=True)
        pairs = np.unique(np.stack([ev_idx, hs], 1), axis=0)
        n_events = ev_idx.max() + 1
        mixed = n_events - np.unique(pairs[:, 0]).size + (np.bincount(pairs[:, 0]) > 1).sum()
        split = (np.bincount(pairs[:, 1]) > 1).sum()
        n_true = np.unique(truth).size
        print(f"DEDUP: {ments.num_rows:,} mentions of {n_true:,} known happenings "
              f"(from {docs.num_rows:,} articles) -> {n_events:,} events "
              f"({100 * (1 - n_events / ments.num_rows):.1f}% fewer rows than mentions; "
              f"ideal {100 * (1 - n_true / ments.num_rows):.1f}%) in {secs:.1f} s")
        print(f"       events mixing >1 happening: {mixed:,} ({100 * mixed / n_events:.2f}%; "
              f"different happenings with the same dyad+code within a day are indistinguishable); "
              f"happenings split over >1 event: {split:,} ({100 * split / n_true:.2f}%)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=5_000_000, help="events to store (default 5M)")
    ap.add_argument("--batch", type=int, default=800_000,
                    help="happenings per add_arrow call (one transaction)")
    ap.add_argument("--dedup-happenings", type=int, default=200_000)
    ap.add_argument("--db", help="store file (default: a temporary one, deleted at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary store")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--order", choices=["chronological", "random"], default="chronological",
                    help="date order of the batches (default: chronological, like news)")
    ap.add_argument("--no-parquet", action="store_true",
                    help="skip the bulk --from-parquet measurement")
    ap.add_argument("--shard-docs", type=int, default=1000,
                    help="documents per shard part file for the --from-parquet measurement "
                         "(`whowhom code --chunk-size`; default 1000)")
    args = ap.parse_args()
    tmp = None
    path = args.db
    if not path:
        tmp = tempfile.mkdtemp(prefix="whowhom-bench-")
        path = os.path.join(tmp, "bench.duckdb")
    print(f"whowhom store benchmark: {args.events:,} events, {args.order} batches, {os.cpu_count()} cores, "
          f"duckdb {__import__('duckdb').__version__}")
    try:
        store, n_batches = bench_insert(path, args.events, args.batch, args.seed, args.order)
        if not args.no_parquet:
            ptmp = tempfile.mkdtemp(prefix="whowhom-bench-parquet-", dir=os.path.dirname(path))
            try:
                bench_parquet(ptmp, store, n_batches, args.events, args.batch, args.seed,
                              args.order, args.shard_docs)
            finally:
                shutil.rmtree(ptmp, ignore_errors=True)
        bench_queries(store)
        bench_dedup(args.dedup_happenings, args.seed)
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

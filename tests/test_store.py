"""The event store (whowhom.store), specified by example.

Documents and events are made by hand or by a fake coder (see _store_helpers.py): one event per
line "SOURCE TARGET CODE DATE [COUNTRY] [PLACE]", so each test says exactly what was reported.
Multi-process behaviour (a reader beside a writer, a killed ingest) is in test_store_process.py.
"""
from __future__ import annotations

import csv
import io
import json
import os
import random

import pyarrow.parquet as pq
import pytest

from _store_helpers import FakeCoder, event_for, line_doc, synthetic_corpus
from whowhom.records import CODER_VERSION
from whowhom.store import (
    NotAStore, Store, StoreCorrupt, StoreNotFound, StoreReadOnly, StoreVersionError,
)
from whowhom.store.dedup import DAY, MONTH, NONE, YEAR, cluster


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "news.duckdb")


@pytest.fixture
def store(db):
    return Store(db)


def ingest(store, *docs, coder=None, **kw):
    return store.add((coder or FakeCoder()).code_many(docs), progress=False, **kw)


def only(rows):
    assert len(rows) == 1, rows
    return rows[0]


# --- deduplication across articles ------------------------------------------------------

class TestDeduplication:
    def test_two_articles_reporting_the_same_meeting_make_one_event_with_two_mentions(self, store):
        ingest(store,
               line_doc("reuters-1", ["CHNGOV AFGINS 040 2021-07-28 CHN Tianjin"], outlet="Reuters"),
               line_doc("ap-7", ["CHNGOV AFGINS 040 2021-07-28 CHN Tianjin"], outlet="AP"))
        ev = only(store.events())
        assert (ev["num_mentions"], ev["num_sources"], ev["num_articles"]) == (2, 2, 2)
        assert ev["source_code"] == "CHNGOV" and ev["target_code"] == "AFGINS"
        assert ev["location_name"] == "Tianjin" and ev["date"] == "2021-07-28"

    def test_two_articles_of_one_outlet_count_one_source(self, store):
        ingest(store, line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"], outlet="AP"),
               line_doc("b", ["USAGOV RUSGOV 111 2021-03-01"], outlet="AP"))
        ev = only(store.events())
        assert (ev["num_mentions"], ev["num_sources"], ev["num_articles"]) == (2, 1, 2)

    def test_the_outlet_defaults_to_the_host_of_the_url(self, store):
        ingest(store,
               line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"], url="https://www.bbc.co.uk/x"),
               line_doc("b", ["USAGOV RUSGOV 111 2021-03-01"], url="https://bbc.co.uk/y"))
        assert only(store.events())["num_sources"] == 1

    def test_one_article_mentioning_an_event_twice_counts_two_mentions_one_article(self, store):
        ingest(store, line_doc("a", ["USAGOV RUSGOV 111 2021-03-01", "USAGOV RUSGOV 111 2021-03-01"]))
        ev = only(store.events())
        assert (ev["num_mentions"], ev["num_sources"], ev["num_articles"]) == (2, 1, 1)

    def test_a_report_dated_the_next_day_is_the_same_event(self, store):
        ingest(store, line_doc("a", ["RUSMIL UKRMIL 190 2022-03-01"]),
               line_doc("b", ["RUSMIL UKRMIL 190 2022-03-02"]))
        assert only(store.events())["num_mentions"] == 2

    def test_daily_reports_of_a_long_war_stay_separate_events_two_days_long(self, store):
        days = [f"2022-03-{d:02d}" for d in range(1, 8)]
        ingest(store, *[line_doc(f"d{d}", [f"RUSMIL UKRMIL 190 {d}"]) for d in days])
        events = store.events(order="date")
        assert [e["date"] for e in events] == ["2022-03-01", "2022-03-03", "2022-03-05", "2022-03-07"]
        assert [e["num_mentions"] for e in events] == [2, 2, 2, 1]

    def test_the_window_is_configurable_when_the_store_is_created(self, db):
        store = Store(db, dedup_window_days=0)
        ingest(store, line_doc("a", ["RUSMIL UKRMIL 190 2022-03-01"]),
               line_doc("b", ["RUSMIL UKRMIL 190 2022-03-02"]))
        assert store.count_events() == 2
        assert Store(db, dedup_window_days=5).dedup_window_days == 0  # the file keeps its own
        assert store.dedupe(window_days=3)["events_after"] == 1
        assert Store(db).dedup_window_days == 3

    def test_different_location_countries_are_different_events(self, store):
        ingest(store, line_doc("a", ["USAGOV CHNGOV 042 2021-05-01 CHN"]),
               line_doc("b", ["USAGOV CHNGOV 042 2021-05-01 USA"]))
        assert store.count_events() == 2

    def test_a_report_without_a_place_joins_the_located_event(self, store):
        ingest(store, line_doc("a", ["USAGOV CHNGOV 042 2021-05-01 CHN Beijing"]),
               line_doc("b", ["USAGOV CHNGOV 042 2021-05-01 -"]))
        ev = only(store.events())
        assert ev["num_mentions"] == 2 and ev["location_name"] == "Beijing"

    def test_a_month_precision_report_joins_that_months_event(self, store):
        ingest(store, line_doc("a", ["CHNGOV AFGINS 040 2021-07-28"]),
               line_doc("b", ["CHNGOV AFGINS 040 2021-07"]))
        ev = only(store.events())
        assert ev["num_mentions"] == 2 and ev["date_precision"] == "day"

    def test_a_later_batch_recounts_all_mentions_of_the_event_it_joins(self, store):
        # the event (anchored on the 31st) has a month-precision report dated the 1st of that
        # month; a report of the next day arrives in a later batch: all three are counted
        ingest(store, line_doc("a", ["CANJUD IRQGOV 040 2018-01-31 IRQ"], outlet="o1"),
               line_doc("b", ["CANJUD IRQGOV 040 2018-01 IRQ"], outlet="o2"))
        ingest(store, line_doc("c", ["CANJUD IRQGOV 040 2018-02-01 IRQ"], outlet="o3"))
        ev = only(store.events())
        assert (ev["num_mentions"], ev["num_sources"], ev["num_articles"]) == (3, 3, 3)

    def test_month_precision_reports_alone_make_one_month_event(self, store):
        ingest(store, line_doc("a", ["CHNGOV AFGINS 040 2021-07"]),
               line_doc("b", ["CHNGOV AFGINS 040 2021-07"]), line_doc("c", ["CHNGOV AFGINS 040 2021-08"]))
        events = store.events(order="date")
        assert [(e["date"], e["date_precision"], e["num_mentions"]) for e in events] == [
            ("2021-07-01", "month", 2), ("2021-08-01", "month", 1)]

    def test_year_precision_and_undated_reports_are_never_merged(self, store):
        ingest(store, line_doc("a", ["RUSGOV UKRGOV 190 2014", "RUSGOV UKRGOV 190 -"]),
               line_doc("b", ["RUSGOV UKRGOV 190 2014", "RUSGOV UKRGOV 190 -"]))
        assert store.count_events() == 4

    def test_other_codes_or_the_reverse_dyad_are_other_events(self, store):
        ingest(store, line_doc("a", ["USAGOV CHNGOV 042 2021-05-01", "USAGOV CHNGOV 043 2021-05-01",
                                     "CHNGOV USAGOV 042 2021-05-01"]))
        assert store.count_events() == 3

    def test_each_mention_keeps_its_evidence(self, store):
        ingest(store, line_doc("a", ["noise line", "CHNGOV AFGINS 040 2021-07-28 CHN Tianjin"],
                               title="Wang Yi meets Baradar", url="https://x.example/a", outlet="X"),
               line_doc("b", ["CHNGOV AFGINS 040 2021-07-29 -"], outlet="Y"))
        ev = store.event(only(store.events())["event_id"])
        first, second = ev["mentions"]
        assert first["doc_id"] == "a" and first["sentence_id"] == 1
        assert first["sentence"] == "CHNGOV AFGINS 040 2021-07-28 CHN Tianjin"
        assert first["doc_title"] == "Wang Yi meets Baradar" and first["doc_url"] == "https://x.example/a"
        assert first["rule"] == "fake:040" and first["confidence"] == 0.9
        s = first["sentence"]
        assert s[slice(*first["marks"]["source"])] == "CHNGOV"
        assert s[slice(*first["marks"]["target"])] == "AFGINS"
        assert s[slice(*first["marks"]["trigger"])] == "040"
        assert second["doc_id"] == "b"

    def test_the_coders_event_records_come_back_unchanged(self, store):
        coder = FakeCoder()
        doc = line_doc("a", ["CHNGOV AFGINS 040 2021-07-28 CHN Tianjin", "USAGOV RUSGOV 111 2021-07"])
        ingest(store, doc)
        assert store.mention_records(doc_id="a") == coder.code(doc)

    def test_the_result_does_not_depend_on_document_order_or_batch_size(self, tmp_path):
        docs = synthetic_corpus(30)

        def snapshot(order, batch):
            s = Store(str(tmp_path / f"s{batch}-{order[0]}.duckdb"), batch_size=batch)
            ingest(s, *[docs[i] for i in order])
            with s.reader() as con:
                ev = con.execute("SELECT * EXCLUDE (date_added) FROM events "
                                 "ORDER BY event_id").fetchall()
                ms = con.execute("SELECT mention_id, event_id FROM mentions ORDER BY 1").fetchall()
            return ev, ms, s

        base, base_m, s1 = snapshot(list(range(len(docs))), 1000)
        shuffled = list(range(len(docs)))
        random.Random(3).shuffle(shuffled)
        for order, batch in ((shuffled, 7), (list(reversed(range(len(docs)))), 4)):
            ev, ms, _ = snapshot(order, batch)
            assert ev == base and ms == base_m
        assert len(base) < len(base_m)  # there were duplicates to merge
        # a full re-clustering of the store agrees with the incremental one
        assert s1.dedupe()["events_after"] == len(base)
        assert snapshot(list(range(len(docs))), 1000)[0] == base

    def test_a_store_created_with_compressed_mention_ids_stores_the_same(self, tmp_path,
                                                                          monkeypatch):
        # New stores keep mentions.mention_id/event_id uncompressed (a DuckDB storage choice);
        # stores made before (plain VARCHAR columns) must go on working and agree row for row.
        import whowhom.store.schema as schema
        import whowhom.store.store as store_mod
        docs = synthetic_corpus(30)

        def snapshot(name):
            s = Store(str(tmp_path / name), batch_size=7)
            ingest(s, *docs)
            with s.reader() as con:
                ev = con.execute("SELECT * EXCLUDE (date_added) FROM events ORDER BY event_id"
                                 ).fetchall()
                ms = con.execute("SELECT * EXCLUDE (event_id), event_id FROM mentions "
                                 "ORDER BY mention_id").fetchall()
                ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'mentions'"
                                  ).fetchone()[0]
            return ev, ms, ddl

        new_ev, new_ms, new_ddl = snapshot("new.duckdb")
        assert new_ddl.lower().count("using compression uncompressed") == 2
        old_ddl = [d.replace(schema._UNCOMPRESSED, "") for d in schema.DDL]
        monkeypatch.setattr(store_mod, "DDL", old_ddl)
        old_ev, old_ms, old_ddl_sql = snapshot("old.duckdb")
        assert "compression" not in old_ddl_sql.lower()
        assert old_ev == new_ev and old_ms == new_ms and len(new_ev) < len(new_ms)

    def test_re_ingesting_stored_documents_adds_nothing(self, store):
        docs = synthetic_corpus(10)
        first = ingest(store, *docs)
        before = store.stats()
        again = ingest(store, *docs)
        assert first.documents_added == 10 and again.documents_added == 0
        assert again.documents_skipped == 10 and again.mentions_added == 0
        after = store.stats()
        assert {k: after[k] for k in ("documents", "mentions", "events")} == \
            {k: before[k] for k in ("documents", "mentions", "events")}
        assert store.has_document(docs[0].content_hash)
        assert not store.has_document("0" * 40)

    def test_a_reused_id_with_new_text_is_stored_under_a_new_id(self, store):
        ingest(store, line_doc("story", ["USAGOV RUSGOV 111 2021-03-01"]))
        stats = ingest(store, line_doc("story", ["USAGOV RUSGOV 112 2021-03-02"]))
        assert stats.documents_renamed == 1
        ids = sorted(d["id"] for d in store.documents())
        assert ids[0] == "story" and ids[1].startswith("story~")
        renamed = store.document(ids[1])
        assert renamed["events"][0]["doc_id"] == ids[1]
        assert len({m["mention_id"] for d in ids for m in store.document(d)["events"]}) == 2

    def test_documents_without_events_are_remembered(self, store):
        stats = ingest(store, line_doc("empty", ["nothing happened here"]))
        assert stats.documents_added == 1 and store.count_events() == 0
        assert ingest(store, line_doc("empty", ["nothing happened here"])).documents_skipped == 1


class TestClusterFunction:
    """dedup.cluster on plain arrays: row -> row of its event's anchor."""

    def run(self, rows, window=1):
        key = [r[0] for r in rows]
        country = [r[1] for r in rows]
        prec = [r[2] for r in rows]
        day = [r[3] for r in rows]
        end = [r[3] + 31 for r in rows]
        return list(cluster(key, country, prec, day, end, list(range(len(rows))), window))

    def test_greedy_anchors(self):
        assert self.run([(0, 1, DAY, d) for d in (10, 11, 12, 13, 20)]) == [0, 0, 2, 2, 4]

    def test_keys_and_countries_partition(self):
        assert self.run([(0, 1, DAY, 10), (1, 1, DAY, 10), (0, 2, DAY, 10), (0, 0, DAY, 10)]) == [0, 1, 2, 0]

    def test_year_and_undated_rows_stay_alone(self):
        assert self.run([(0, 0, YEAR, 0), (0, 0, YEAR, 0), (0, 0, NONE, 0)]) == [0, 1, 2]

    def test_month_rows_join_the_first_event_anchored_in_the_month(self):
        # month rows carry the first day of the month (day 0 here); events anchored on 5 and 20
        assert self.run([(0, 1, MONTH, 0), (0, 1, DAY, 5), (0, 1, DAY, 20), (0, 0, MONTH, 0)]) == [1, 1, 2, 1]


# --- queries ---------------------------------------------------------------------------------

@pytest.fixture
def news(store):
    ingest(store,
           line_doc("a", ["CHNGOV AFGINS 040 2021-07-28 CHN Tianjin", "USAGOV CHNGOV 111 2021-07-29 -"],
                    outlet="Reuters", title="Tianjin talks"),
           line_doc("b", ["CHNMIL AFGINS 042 2021-08-03 AFG Kabul", "RUSMIL UKRMIL 190 2022-02-24 UKR"],
                    outlet="AP"),
           line_doc("c", ["CHNGOV AFGINS 040 2021-07-28 CHN Tianjin", "RUSMIL UKRMIL 190 2022-02-25 UKR"],
                    outlet="BBC"),
           line_doc("d", ["RUSGOV UKRGOV 163 2022-03 -", "USAGOV RUSGOV 163 2022-03-01 -"], outlet="AP"))
    return store


class TestQueries:
    def test_dyad_monthly_series(self, news):
        rows = news.dyads(source="CHN", target="AFG", by="month")
        assert [(r["period"], r["events"], r["mentions"]) for r in rows] == [
            ("2021-07-01", 1, 2), ("2021-08-01", 1, 1)]
        assert rows[0]["goldstein"] == 1.0 and rows[1]["goldstein"] == 1.9
        assert rows[0]["q1_share"] == 1.0 and rows[0]["source"] == "CHN"

    def test_dyad_series_share_of_quad_classes(self, news):
        rows = news.dyads(source="USA", by="year")
        assert [(r["period"], r["events"]) for r in rows] == [("2021-01-01", 1), ("2022-01-01", 1)]
        assert rows[1]["q4_share"] == 1.0 and rows[0]["q3_share"] == 1.0

    def test_a_month_precision_event_counts_in_monthly_not_daily_series(self, news):
        assert [r["events"] for r in news.dyads(source="RUSGOV", by="month")] == [1]
        assert news.dyads(source="RUSGOV", by="day") == []

    def test_weekly_series_start_on_monday(self, news):
        rows = news.dyads(source="RUS", target="UKR", by="week")
        assert only(rows)["period"] == "2022-02-21"

    def test_split_dyads_by_country(self, news):
        rows = news.dyads(by="year", split=True, level="country", since="2021", until="2021")
        assert {(r["source"], r["target"], r["events"]) for r in rows} == {
            ("CHN", "AFG", 2), ("USA", "CHN", 1)}

    def test_events_filters(self, news):
        codes = lambda **f: sorted(e["code"] for e in news.events(**f))  # noqa: E731
        assert codes(source="CHN") == ["040", "042"]
        assert codes(source="CHNGOV") == ["040"]
        assert codes(target="UKR") == ["163", "190"]
        assert codes(actor="USA") == ["111", "163"]
        assert codes(country="UKR") == ["163", "190"]
        assert codes(location_country="AFG") == ["042"]
        assert codes(code="04") == ["040", "042"]
        assert codes(root="19") == ["190"] and codes(root="4") == ["040", "042"]
        assert codes(plover="consult") == ["040", "042"]
        assert codes(quad_class=[3, 4]) == ["111", "163", "163", "190"]
        assert codes(since="2022-02-25") == ["163", "163"]
        assert codes(since="2021-08", until="2022-02") == ["042", "190"]
        assert codes(place="kab") == ["042"]
        assert codes(text="tianjin") == ["040"]
        assert codes(min_mentions=2) == ["040", "190"]
        assert codes(source="CHN,USA", code="11") == ["111"]
        assert news.count_events(source="CHN") == 2

    def test_user_values_never_reach_sql_as_text(self, news):
        assert news.events(source="X' OR 1=1 --") == []
        assert news.events(text="'; DROP TABLE events; --") == []
        assert news.count_events() == 6

    def test_bad_filter_values_are_explained(self, news):
        with pytest.raises(ValueError, match="since: expected a date"):
            news.events(since="July 2021")
        with pytest.raises(ValueError, match="quad_class"):
            news.events(quad_class=7)
        with pytest.raises(ValueError, match="CAMEO code"):
            news.events(code="04a")
        with pytest.raises(ValueError, match="order"):
            news.events(order="random")
        with pytest.raises(ValueError, match="by"):
            news.dyads(by="hour")
        with pytest.raises(TypeError, match="unknown filter"):
            news.events(colour="red")

    def test_paging_with_a_cursor_is_complete_and_stable(self, news):
        everything = [e["event_id"] for e in news.events(limit=100)]
        seen, cursor = [], None
        while True:
            page = news.events(limit=3, cursor=cursor)
            seen += [e["event_id"] for e in page]
            cursor = page.next_cursor
            if cursor is None:
                break
            # an event added meanwhile (newer than the page) does not shift the next page
            ingest(news, line_doc(f"late{len(seen)}", [f"FRAGOV DEUGOV 040 2023-01-0{len(seen) % 9 + 1}"]))
        assert seen == everything
        now = [e["event_id"] for e in news.events(limit=100)]
        assert [e["event_id"] for e in news.events(limit=2, offset=2)] == now[2:4]
        with pytest.raises(ValueError, match="cursor"):
            news.events(cursor="garbage")

    def test_orders(self, news):
        by_mentions = news.events(order="-mentions")
        assert by_mentions[0]["num_mentions"] == 2
        assert [e["date"] for e in news.events(order="date")][0] == "2021-07-28"

    def test_one_event_with_all_its_mentions(self, news):
        eid = news.events(code="190")[0]["event_id"]
        ev = news.event(eid)
        assert ev["num_mentions"] == 2 and {m["doc_id"] for m in ev["mentions"]} == {"b", "c"}
        assert {m["doc_outlet"] for m in ev["mentions"]} == {"AP", "BBC"}
        assert news.event("nope") is None

    def test_top_actors(self, news):
        top = news.actors(top=3)
        assert top[0]["code"] == "AFGINS" and top[0]["events"] == 2 and top[0]["as_target"] == 2
        assert {a["code"] for a in news.actors(top=10, role="source", since="2022")} == {
            "RUSMIL", "RUSGOV", "USAGOV"}

    def test_network_edges_weighted_by_events(self, news):
        edges = news.network(level="country")
        assert edges[0] == {**edges[0], "source": "CHN", "target": "AFG", "events": 2}
        assert {(e["source"], e["target"]) for e in edges} >= {("RUS", "UKR"), ("USA", "RUS")}
        assert [(e["source"], e["target"]) for e in news.network(min_events=2, level="country")] == [
            ("CHN", "AFG"), ("RUS", "UKR")]

    def test_places(self, news):
        places = {p["name"]: p for p in news.places()}
        assert places["Tianjin"]["events"] == 1 and places["Kabul"]["country"] == "AFG"

    def test_document_with_its_events(self, news):
        doc = news.document("a")
        assert doc["title"] == "Tianjin talks" and doc["text"].startswith("CHNGOV AFGINS")
        assert [m["code"] for m in doc["events"]] == ["040", "111"]
        assert doc["events"][0]["event_num_articles"] == 2
        assert news.document("zzz") is None

    def test_arrow_output(self, news):
        tbl = news.events(arrow=True)
        assert tbl.num_rows == 6 and "num_mentions" in tbl.column_names

    def test_stats_and_meta(self, news):
        st = news.stats()
        assert (st["documents"], st["mentions"], st["events"]) == (4, 8, 6)
        assert st["meta"]["schema_version"] == "1" and st["meta"]["app"] == "whowhom"


# --- re-coding -------------------------------------------------------------------------------

class TestRecode:
    def test_a_new_coder_version_replaces_the_events_of_stale_documents(self, store):
        docs = [line_doc("a", ["USAGOV RUSGOV 111 2021-03-01", "CHNGOV AFGINS 040 2021-07-28"]),
                line_doc("b", ["USAGOV RUSGOV 111 2021-03-01"])]
        ingest(store, *docs)
        assert store.count_events() == 2
        new = FakeCoder(version="9.9", drop_code="111")  # the new coder no longer codes 111
        stats = store.recode(new, progress=False)
        assert stats.documents_recoded == 2 and stats.mentions_removed == 3
        ev = only(store.events())
        assert ev["code"] == "040" and ev["coder_version"] == "9.9"
        assert store.actors(top=10)[0]["code"] in ("AFGINS", "CHNGOV")
        assert {a["code"] for a in store.actors(top=10)} == {"AFGINS", "CHNGOV"}
        assert store.recode(new, progress=False).documents_recoded == 0  # nothing stale left
        assert store.recode(new, force=True, progress=False).documents_recoded == 2
        assert store.count_events() == 1

    def test_recoding_keeps_dedup_consistent(self, store):
        ingest(store, *synthetic_corpus(30))
        before = store.events(limit=None)
        store.recode(FakeCoder(version="2"), progress=False)  # same output, new version
        after = store.events(limit=None)
        strip = lambda rows: [{k: v for k, v in r.items() if k not in ("coder_version", "date_added")}  # noqa: E731
                              for r in rows]
        assert strip(after) == strip(before)


# --- exports -----------------------------------------------------------------------------------

class TestExport:
    def test_gdelt_event_table(self, news, tmp_path):
        out = tmp_path / "events.tsv"
        assert news.export("gdelt", out) == 6
        rows = [line.split("\t") for line in out.read_text().splitlines()]
        assert all(len(r) == 61 for r in rows)
        from whowhom.store.export import GDELT_COLUMNS
        names = [n for n, _ in GDELT_COLUMNS]
        first = dict(zip(names, rows[0]))
        assert first["SQLDATE"] == "20210728" and first["MonthYear"] == "202107"
        assert first["Year"] == "2021" and first["FractionDate"] == "2021.6521"
        assert first["Actor1Code"] == "CHNGOV" and first["Actor1CountryCode"] == "CHN"
        assert first["Actor1Type1Code"] == "GOV" and first["Actor2Code"] == "AFGINS"
        assert (first["EventCode"], first["EventBaseCode"], first["EventRootCode"]) == ("040", "040", "04")
        assert (first["QuadClass"], first["GoldsteinScale"]) == ("1", "1.0")
        assert (first["NumMentions"], first["NumSources"], first["NumArticles"]) == ("2", "2", "2")
        assert first["AvgTone"] == "" and first["ActionGeo_FullName"] == "Tianjin"
        assert first["ActionGeo_Type"] == "4" and first["SOURCEURL"] in ("a", "c")
        assert len(first["DATEADDED"]) == 14 and int(first["GLOBALEVENTID"]) > 0
        assert news.export("gdelt", out, header=True, source="RUS") == 2
        assert out.read_text().splitlines()[0].startswith("GLOBALEVENTID\tSQLDATE")

    def test_plover_jsonl(self, news, tmp_path):
        ingest(news, line_doc("e", ["FRAGOV DEUGOV 010 2021-01-01"]))  # CAMEO 01: not PLOVER
        out = tmp_path / "events.jsonl"
        assert news.export("plover", out) == 6
        recs = [json.loads(x) for x in out.read_text().splitlines()]
        r = next(x for x in recs if x["cameo"]["code"] == "190")
        assert r["event"] == ["ASSAULT"] and r["event_type"] == "ASSAULT" and r["quad_code"] == 4
        assert r["date"] == "2022-02-24" and r["source"][0]["code"] == "RUS"
        assert r["source"][0]["sector"] == "MIL" and r["recipient"][0]["cameo_code"] == "UKRMIL"
        assert r["event_loc"]["cc3"] == "UKR" and r["event_scale"] == -10.0
        assert r["text"].startswith("RUSMIL UKRMIL 190") and r["num_articles"] == 2
        assert r["cite_info"]["publication"] == "AP"
        assert news.export("plover", out, include_non_plover=True) == 7

    def test_csv_and_parquet(self, news, tmp_path):
        assert news.export("csv", tmp_path / "e.csv") == 6
        rows = list(csv.DictReader(io.StringIO((tmp_path / "e.csv").read_text())))
        assert len(rows) == 6 and "num_mentions" in rows[0]
        assert news.export("parquet", tmp_path / "e.parquet", code="04") == 2
        assert pq.read_table(tmp_path / "e.parquet").num_rows == 2
        assert news.export("parquet", tmp_path / "m.parquet", table="mentions") == 8
        assert news.export("csv", tmp_path / "d.csv", table="documents", source="CHN") == 3
        assert news.export("csv", tmp_path / "none.csv", source="ZZZ") == 0
        assert (tmp_path / "none.csv").read_text().startswith('"event_id"')
        assert not list(tmp_path.glob("*.tmp"))


# --- bad files and misuse ----------------------------------------------------------------------

class TestFaults:
    def test_a_text_file_is_not_a_store_and_is_left_alone(self, tmp_path):
        path = tmp_path / "notes.duckdb"
        path.write_text("my notes " * 100)
        with pytest.raises(StoreCorrupt, match="not a whowhom event store"):
            Store(str(path))
        assert path.read_text() == "my notes " * 100

    def test_a_damaged_store_is_reported(self, store, db):
        ingest(store, *synthetic_corpus(5))
        data = bytearray(open(db, "rb").read())
        data[:4096] = b"\x00" * 4096  # wipe the header
        open(db, "wb").write(bytes(data))
        with pytest.raises(StoreCorrupt):
            Store(db, read_only=True).events()

    def test_someone_elses_duckdb_database_is_not_touched(self, tmp_path):
        import duckdb
        path = str(tmp_path / "theirs.duckdb")
        con = duckdb.connect(path)
        con.execute("CREATE TABLE sales (x INT)")
        con.close()
        before = open(path, "rb").read()
        with pytest.raises(NotAStore, match="not a whowhom event store"):
            Store(path)
        assert open(path, "rb").read() == before

    def test_a_store_from_a_newer_whowhom_is_refused_unchanged(self, store, db):
        with store._write() as con:
            con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        before = open(db, "rb").read()
        with pytest.raises(StoreVersionError, match="newer whowhom.*Upgrade whowhom"):
            Store(db)
        with pytest.raises(StoreVersionError):
            Store(db, read_only=True)
        assert open(db, "rb").read() == before

    def test_a_missing_store_opened_read_only(self, tmp_path):
        with pytest.raises(StoreNotFound, match="whowhom ingest"):
            Store(str(tmp_path / "nope.duckdb"), read_only=True)
        assert not (tmp_path / "nope.duckdb").exists()

    def test_a_read_only_store_refuses_writes(self, store, db):
        ro = Store(db, read_only=True)
        with pytest.raises(StoreReadOnly):
            ingest(ro, line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"]))

    def test_an_empty_placeholder_file_becomes_a_store(self, tmp_path):
        path = tmp_path / "new.duckdb"
        path.write_bytes(b"")
        assert Store(str(path)).stats()["documents"] == 0

    def test_a_failed_batch_leaves_nothing_behind(self, store):
        ingest(store, line_doc("ok", ["USAGOV RUSGOV 111 2021-03-01"]))
        before = store.stats()

        def pairs():
            coder = FakeCoder()
            d = line_doc("good", ["CHNGOV AFGINS 040 2021-07-28"])
            yield d, coder.code(d)
            bad = line_doc("bad", ["x"])
            ev = event_for("bad", 0, "x", 0, "USAGOV", "RUSGOV", "111", "2021-03-01")
            yield bad, [ev.to_dict() | {"quad_class": "not a number"}]

        with pytest.raises(Exception):
            store.add(pairs(), progress=False, batch_size=10)
        after = store.stats()
        assert {k: after[k] for k in ("documents", "mentions", "events")} == \
            {k: before[k] for k in ("documents", "mentions", "events")}


def test_coder_version_is_recorded_per_document(store):
    ingest(store, line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"]), line_doc("b", ["nothing"]))
    assert {d["coder_version"] for d in store.documents()} == {CODER_VERSION}
    assert store.stale_documents() == []
    assert sorted(store.stale_documents("2.0")) == ["a", "b"]


def test_the_store_is_a_context_manager(db):
    with Store(db) as s:
        ingest(s, line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"]))
    assert os.path.exists(db)

"""How `whowhom eval` scores: given these gold rows and these coded events, these figures.

The coder is replaced by a table of answers, so each test states exactly what was predicted.
"""
import json

import pytest

from whowhom.eval.score import (GoldFileError, cameo_country, gold_kind, read_gold, score_actors,
                                score_event_types, score_events)
from whowhom.records import Actor, Event, Plover, Trigger


def event(source: str, target: str, code: str, confidence: float = 0.9, plover: str = "CONSULT") -> Event:
    return Event(event_id="e", doc_id="d", sentence_id=0, sentence="s",
                 source=Actor(text=source, code=source), target=Actor(text=target, code=target),
                 code=code, root_code=code[:2], label="", goldstein=0.0, quad_class=1,
                 plover=Plover(plover), trigger=Trigger("t", 0, 1), confidence=confidence, rule="test")


def coder_answering(answers: dict[str, list[Event]]):
    return lambda doc: answers.get(doc.text, [])


# ----------------------------------------------------------------------- event triples ----

def test_triples_match_on_source_and_target_country_and_root_code():
    rows = [{"id": 1, "text": "A", "events": [{"source": "CHNGOV", "target": "AFGINS", "code": "040"}]},
            {"id": 2, "text": "B", "events": [{"source": "USA", "target": "RUS", "code": "173"}]},
            {"id": 3, "text": "C", "events": []}]
    answers = {"A": [event("CHN", "AFG", "042")],            # root right, full code wrong
               "B": [event("USA", "RUS", "112")],            # wrong root: a false alarm and a miss
               "C": [event("FRA", "DEU", "010")]}            # nothing to code: a false alarm
    report = score_events(rows, coder_answering(answers))
    assert report.metrics["root"] == {"precision": 0.333, "recall": 0.5, "f1": 0.4,
                                    "tp": 1, "fp": 2, "fn": 1}
    assert (report.metrics["full_code"]["tp"], report.metrics["full_code"]["fn"]) == (0, 2)
    assert [e["id"] for e in report.errors] == ["1", "2", "3"]
    assert report.errors[0]["missed"] == report.errors[0]["false_alarms"] == []


def test_an_event_right_at_root_level_but_not_in_full_code_is_shown_with_both_codes():
    rows = [{"id": 1, "text": "A", "events": [{"source": "CHN", "target": "AFG", "code": "040"},
                                             {"source": "AFG", "target": "CHN", "code": "046"}]}]
    answers = {"A": [event("CHN", "AFG", "042"), event("AFG", "CHN", "046")]}
    (row,) = score_events(rows, coder_answering(answers)).errors
    assert [(m["gold_code"], m["code"], m["source"]) for m in row["other_code"]] == [("040", "042", "CHN")]


def test_each_gold_triple_is_used_once():
    rows = [{"id": 1, "text": "A", "events": [{"source": "EGY", "target": "SDN", "code": "057"}]}]
    report = score_events(rows, coder_answering({"A": [event("EGY", "SDN", "057")] * 2}))
    assert (report.metrics["root"]["tp"], report.metrics["root"]["fp"]) == (1, 1)


def test_precision_at_a_threshold_counts_only_events_that_confident_or_more():
    rows = [{"id": 1, "text": "A", "events": [{"source": "EGY", "target": "SDN", "code": "057"}]}]
    answers = {"A": [event("EGY", "SDN", "057", 0.8), event("SDN", "EGY", "190", 0.35)]}
    curve = score_events(rows, coder_answering(answers)).metrics["precision_at_confidence"]
    assert curve["0.3"] == {"precision": 0.5, "recall": 1.0, "events": 2}
    assert curve["0.5"] == {"precision": 1.0, "recall": 1.0, "events": 1}


# ------------------------------------------------------------------------- event types ----

def test_a_sentence_takes_the_type_of_its_most_confident_event_and_none_is_wrong():
    rows = [{"id": 1, "text": "A", "label": "CONSULT"}, {"id": 2, "text": "B", "label": "ASSAULT"},
            {"id": 3, "text": "C", "label": "ASSAULT"}]
    answers = {"A": [event("X", "Y", "010", 0.2, "ACCUSE"), event("X", "Y", "040", 0.9, "CONSULT")],
               "B": [event("X", "Y", "180", 0.9, "ASSAULT")]}
    report = score_event_types(rows, coder_answering(answers))
    assert report.metrics["accuracy"] == pytest.approx(0.667, abs=1e-3)
    assert report.metrics["coded_share"] == pytest.approx(0.667, abs=1e-3)
    assert report.metrics["per_label"]["ASSAULT"]["recall"] == 0.5


def test_the_older_label_yield_stands_for_concede_and_retreat():
    rows = [{"id": 1, "text": "A", "label": "YIELD"}]
    report = score_event_types(rows, coder_answering({"A": [event("X", "Y", "081", plover="CONCEDE")]}))
    assert report.metrics["accuracy"] == 1.0


# ------------------------------------------------------------------------------ actors ----

def test_actor_rows_pass_the_context_and_date_from_the_call_they_record():
    seen = []

    def resolve(text, date, context):
        seen.append((text, date, context))
        return Actor(text=text, code="DEUGOV", country="DEU", sector="GOV")

    rows = [{"actor_text": "Defense Minister", "args": ["Defense Minister", "German", "2022-04-01"],
             "expect": {"country": "DEU", "code_1": "GOV"}},
            {"actor_text": "Hicks", "args": ["Hicks"], "kwargs": {"query_date": "2022-04-01"},
             "expect": {"country": "USA"}}]
    report = score_actors(rows, resolve)
    assert seen == [("Defense Minister", "2022-04-01", "German"), ("Hicks", "2022-04-01", None)]
    assert report.metrics["country_accuracy"] == 0.5 and report.metrics["sector_accuracy"] == 1.0
    assert report.errors == [{"text": "Hicks", "expected": ["USA", None], "got": ["DEU", "GOV"],
                              "resolved": "DEUGOV"}]


def test_an_expected_empty_country_is_met_by_resolving_none():
    rows = [{"actor_text": "two men", "expect": {"country": ""}}]
    assert score_actors(rows, lambda t, d, c: None).metrics["country_accuracy"] == 1.0


@pytest.mark.parametrize("code, country", [("IGOUNOWHO", "UNO"), ("IGOEU", "EUR"), ("IGONAT", "IGO"),
                                           ("NGOAMN", "NGO"), ("---GOV", None)])
def test_bodies_count_under_their_bloc_as_cameo_country_slots_do(code, country):
    assert cameo_country(Actor(text="x", code=code)) == country


# ------------------------------------------------------------------------------- files ----

def test_a_malformed_gold_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": "A", "events": []}) + "\n{broken\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match=r"gold.jsonl:2: malformed JSON"):
        list(read_gold(path))


def test_an_unknown_gold_format_is_an_error():
    assert gold_kind({"actor_text": "x"}) == "actors"
    with pytest.raises(GoldFileError, match="unknown gold format"):
        gold_kind({"sentence": "x"})

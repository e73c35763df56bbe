"""Scoring the coder against gold files (formats in ../shared/gold/README.md).

- event files (`events: [{source, target, code}]`): precision/recall/F1 of (source country,
  target country, root code) triples per sentence, each gold triple used once; the same with
  the full code; precision at rising confidence thresholds.
- event-type files (`event_type` or `label`): the PLOVER type of the most confident event per
  sentence; accuracy and macro F1 (none predicted counts as wrong).
- actor files (`actor_text` + `expect`): share of texts resolved to the expected country (and
  sector where given).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whowhom.records import Document, Event

OLD_PLOVER = {"CONCEDE": "YIELD", "RETREAT": "YIELD"}
# PLOVER 0.5 (the CAMEO gold standard records) named some types differently and split others.
PLOVER_05_LABELS = {"DEMAND", "DISAPPROVE", "FIGHT", "INVESTIGATE"}


def plover_05(event: Event) -> str:
    return _type_05(event.code, event.plover.event_type)


def _type_05(code: str, t: str) -> str:
    """The PLOVER 0.5 type: REQUEST was DEMAND, ACCUSE was DISAPPROVE (and INVESTIGATE for
    CAMEO 09), and conventional or mass violence (CAMEO 19, 20) was FIGHT."""
    if code[:2] == "09":
        return "INVESTIGATE"
    if t == "ACCUSE":
        return "DISAPPROVE"
    if t == "REQUEST":
        return "DEMAND"
    if code[:2] in ("19", "20"):
        return "FIGHT"
    return t


class GoldFileError(ValueError):
    pass


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Report:
    kind: str
    n: int
    metrics: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_gold(path: str | Path) -> Iterator[dict[str, Any]]:
    p = Path(path)
    try:
        fh = open(p, encoding="utf-8")
    except OSError as exc:
        raise GoldFileError(f"{p}: cannot read gold file ({exc.strerror or exc})") from exc
    with fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFileError(f"{p}:{n}: malformed JSON ({exc.msg})") from exc


def gold_kind(first: dict[str, Any]) -> str:
    if "events" in first:
        return "events"
    if "actor_text" in first:
        return "actors"
    if "event_type" in first or "label" in first:
        return "event_type"
    if "cameo" in first and "plover_event" in first:
        return "mapping"
    raise GoldFileError("unknown gold format: expected 'events', 'event_type'/'label' or 'actor_text'")


def _date(value: Any) -> str | None:
    if not value:
        return None
    s = str(value)
    if len(s) == 8 and s.isdigit():
        return f"{s[:4]}-{s[4:6]}-{s[6:]}"
    return s[:10] if len(s) >= 10 else None


def _actor3(code: str | None) -> str:
    return (code or "---")[:3].upper()


# ------------------------------------------------------------------------------- events ----

def score_events(rows: list[dict[str, Any]], code_doc: Callable[[Document], list[Event]]) -> Report:
    root, full = PRF(), PRF()
    thresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    curve = {t: PRF() for t in thresholds}
    errors = []
    n = 0
    for row in rows:
        if row.get("evaluate") is False:
            continue
        n += 1
        doc = Document(id=str(row.get("id", n)), text=row["text"], date=_date(row.get("date")))
        events = code_doc(doc)
        gold = [(_actor3(g.get("source")), _actor3(g.get("target")), str(g.get("code", ""))) for g in row.get("events") or []]
        pred = [(_actor3(e.source.code), _actor3(e.target.code), e.code, e.confidence, e) for e in events]
        _match(root, gold, pred, lambda g: (g[0], g[1], g[2][:2]), lambda p: (p[0], p[1], p[2][:2]))
        _match(full, gold, pred, lambda g: g, lambda p: p[:3])
        for t in thresholds:
            _match(curve[t], gold, [p for p in pred if p[3] >= t],
                   lambda g: (g[0], g[1], g[2][:2]), lambda p: (p[0], p[1], p[2][:2]))
        misses, alarms = _diff(gold, pred)
        other_code = _code_mismatches(gold, pred)
        if misses or alarms or other_code:
            errors.append({"id": doc.id, "text": doc.text, "missed": misses,
                           "false_alarms": [_shown(e) for e in alarms],
                           "other_code": other_code})
    metrics = {"root": root.as_dict(), "full_code": full.as_dict(),
               "precision_at_confidence": {str(t): {"precision": round(c.precision, 3),
                                                    "recall": round(c.recall, 3),
                                                    "events": c.tp + c.fp} for t, c in curve.items()}}
    return Report("events", n, metrics, errors)


def _match(prf: PRF, gold: list, pred: list, gkey: Callable, pkey: Callable) -> None:
    pool = Counter(gkey(g) for g in gold)
    for p in pred:
        k = pkey(p)
        if pool[k] > 0:
            pool[k] -= 1
            prf.tp += 1
        else:
            prf.fp += 1
    prf.fn += sum(pool.values())


def _shown(e: Event) -> dict[str, Any]:
    return {"source": e.source.code, "target": e.target.code, "code": e.code,
            "trigger": e.trigger.text, "rule": e.rule, "confidence": e.confidence}


def _code_mismatches(gold: list, pred: list) -> list[dict[str, Any]]:
    """Events right at root level but with another full code: what the full-code score counts
    against us and the root score does not."""
    exact = Counter(g for g in gold)
    rest = []
    for p in pred:
        if exact[p[:3]] > 0:
            exact[p[:3]] -= 1
        else:
            rest.append(p)
    out = []
    for g, left in exact.items():
        for _ in range(left):
            same_root = next((p for p in rest if (p[0], p[1], p[2][:2]) == (g[0], g[1], g[2][:2])), None)
            if same_root is not None:
                rest.remove(same_root)
                out.append({"gold_code": g[2], **_shown(same_root[4])})
    return out


def _diff(gold: list, pred: list) -> tuple[list, list]:
    pool = Counter((g[0], g[1], g[2][:2]) for g in gold)
    alarms = []
    for p in pred:
        k = (p[0], p[1], p[2][:2])
        if pool[k] > 0:
            pool[k] -= 1
        else:
            alarms.append(p[4])
    missed = [{"source": g[0], "target": g[1], "code": g[2]} for g in gold]
    matched = Counter((p[0], p[1], p[2][:2]) for p in pred)
    out = []
    for m in missed:
        k = (m["source"], m["target"], m["code"][:2])
        if matched[k] > 0:
            matched[k] -= 1
        else:
            out.append(m)
    return out, alarms


# --------------------------------------------------------------------------- event type ----

def score_event_types(rows: list[dict[str, Any]], code_doc: Callable[[Document], list[Event]],
                      triggers: Callable[[Document], list[Any]] | None = None) -> Report:
    """With `triggers`, a sentence with no event takes the type of its best trigger (a
    sentence classifier); without, only events count (none = wrong)."""
    gold_labels, pred_labels = [], []
    errors = []
    gold_set = {r.get("label") or r.get("event_type") for r in rows}
    yield_name = "YIELD" in gold_set
    v05 = bool(gold_set & PLOVER_05_LABELS)
    for n, row in enumerate(rows, start=1):
        gold = row.get("label") or row.get("event_type")
        doc = Document(id=str(row.get("id", n)), text=row["text"], date=_date(row.get("date")))
        events = code_doc(doc)
        best = max(events, key=lambda e: e.confidence) if events else None
        pred = "NONE" if best is None else plover_05(best) if v05 else best.plover.event_type
        if best is None and triggers is not None:
            hits = triggers(doc)
            if hits:
                hit = max(hits, key=lambda h: h.score)
                pred = _type_05(hit.code, hit.plover_type) if v05 else hit.plover_type
        if yield_name:
            pred = OLD_PLOVER.get(pred, pred)
        gold_labels.append(gold)
        pred_labels.append(pred)
        if pred != gold:
            errors.append({"id": doc.id, "text": doc.text, "gold": gold, "predicted": pred,
                           "events": [f"{e.source.code} {e.code} {e.target.code} ({e.trigger.text})" for e in events]})
    labels = sorted(set(gold_labels))
    per = {}
    for lab in labels:
        prf = PRF()
        for g, p in zip(gold_labels, pred_labels):
            if p == lab and g == lab:
                prf.tp += 1
            elif p == lab:
                prf.fp += 1
            elif g == lab:
                prf.fn += 1
        per[lab] = prf.as_dict()
    acc = sum(g == p for g, p in zip(gold_labels, pred_labels)) / len(gold_labels) if gold_labels else 0.0
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    coverage = sum(p != "NONE" for p in pred_labels) / len(pred_labels) if pred_labels else 0.0
    return Report("event_type", len(rows), {"accuracy": round(acc, 3), "macro_f1": round(macro, 3),
                                             "coded_share": round(coverage, 3), "per_label": per}, errors)


# ------------------------------------------------------------------------------- actors ----

def score_actors(rows: list[dict[str, Any]],
                 resolve_text: Callable[[str, str | None, str | None], Any]) -> Report:
    """`expect.country` ('' = no country) and, where given, `expect.code_1` (the sector).
    Rows call NGEC's `agent_to_code(text, context, query_date)`: the context (text around the
    mention, e.g. "German") and the date come from `args`, or the date from `kwargs`."""
    country_ok = country_n = sector_ok = sector_n = 0
    errors = []
    for row in rows:
        expect = row.get("expect") or {}
        if "country" not in expect:
            continue
        args = row.get("args") or []
        date = _query_date((row.get("kwargs") or {}).get("query_date")
                           or (args[2] if len(args) > 2 else None))
        context = args[1] if len(args) > 1 and isinstance(args[1], str) and args[1].strip() else None
        actor = resolve_text(row["actor_text"], date, context)
        got_country = cameo_country(actor) if actor else None
        want = expect.get("country") or None
        country_n += 1
        ok = (got_country or None) == want
        country_ok += ok
        want_sector = expect.get("code_1") or expect.get("sector")
        sector_hit = None
        if want_sector and isinstance(want_sector, str):
            sector_n += 1
            got = {actor.sector} if actor and actor.sector else set()
            also = expect.get("code_2")
            sector_hit = want_sector in got or (isinstance(also, str) and also in got)
            sector_ok += sector_hit
        if not ok or sector_hit is False:
            errors.append({"text": row["actor_text"], "expected": [want, want_sector],
                           "got": [got_country, actor.sector if actor else None],
                           "resolved": actor.code if actor else None})
    return Report("actors", country_n, {
        "country_accuracy": round(country_ok / country_n, 3) if country_n else 0.0,
        "sector_accuracy": round(sector_ok / sector_n, 3) if sector_n else None,
        "sector_n": sector_n}, errors)


def _query_date(value: Any) -> str | None:
    """Gold query dates come as "2022-05-01" or "12 April 2021"; anything else is no date."""
    if not value:
        return None
    from whowhom.dates.resolve import parse_expression

    s = str(value)
    if len(s) >= 10 and s[:4].isdigit() and s[4] == "-":
        return s[:10]
    parsed = parse_expression(s, None)
    return parsed[0] if parsed else None


def cameo_country(actor: Any) -> str | None:
    """The country slot as CAMEO actor codes fill it: ISO alpha-3 for states, and for
    international bodies their bloc (UNO for the UN family, EUR for the EU, IGO otherwise)."""
    if actor.country:
        return actor.country
    code = actor.code or ""
    if code.startswith("IGOUNO"):
        return "UNO"
    if code.startswith("IGOEU"):
        return "EUR"
    if code.startswith(("IGO", "NGO", "IMG")):
        return code[:3]
    return None


def actor_countries_found(rows: list[dict[str, Any]], countries_in: Callable[[str], set[str]]) -> dict[str, Any]:
    """Share of gold actors/recipients (with a country code) whose country is found in the sentence."""
    found = total = 0
    by_missing: Counter[str] = Counter()
    for row in rows:
        gold = [a for key in ("actor", "recipient") for a in (row.get(key) or []) if isinstance(a, dict)]
        gold = [a for a in gold if a.get("code") and len(a["code"]) == 3 and a["code"] not in ("IGO", "NGO", "MNC", "---")]
        if not gold:
            continue
        have = countries_in(row["text"])
        for a in gold:
            total += 1
            if a["code"] in have:
                found += 1
            else:
                by_missing[a["code"]] += 1
    return {"actor_country_recall": round(found / total, 3) if total else 0.0, "actors": total,
            "most_missed": by_missing.most_common(8)}


def group_errors(errors: list[dict[str, Any]]) -> dict[str, int]:
    """Counts of false alarms by the rule's pattern file, for the closing notes."""
    out: dict[str, int] = defaultdict(int)
    for e in errors:
        for fa in e.get("false_alarms", []):
            out[fa["rule"].split("(")[-1].split("#")[0]] += 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))

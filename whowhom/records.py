"""The records whowhom reads and writes.

`Event` is the contract every other part relies on (the store, exports, the API, the
evaluation): its field names and the JSON produced by `Event.to_dict()` are stable. Add fields,
never rename them.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

# Bump when the coder's output for the same input may change (patterns, dictionaries, rules).
# The store keeps it per document so `whowhom recode` knows what is stale.
CODER_VERSION = "0.1.0"


@dataclass(frozen=True)
class Document:
    """One article as read from a file, a JSONL line or standard input."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None  # publication date, YYYY-MM-DD
    url: str | None = None
    source: str | None = None  # where it was read from: path, path:line, or "-"
    outlet: str | None = None  # the publishing outlet, when known

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReadError:
    """A document that could not be read; reported and skipped, never fatal for a batch."""

    source: str  # file, or file:line
    message: str


@dataclass(frozen=True)
class Actor:
    """An event's source or target as the sentence names it and as whowhom resolved it."""

    text: str  # the words in the sentence ("Chinese Foreign Minister Wang Ji")
    code: str  # CAMEO actor code: country + sector, e.g. CHNGOV; IGO/NGO codes for bodies
    country: str | None = None  # ISO 3166 alpha-3, e.g. CHN
    sector: str | None = None  # CAMEO sector: GOV, MIL, INS, MED ...
    name: str | None = None  # the resolved entity ("Wang Yi", "Taliban", "China")
    start: int | None = None  # character offsets of `text` in the document
    end: int | None = None
    resolved_by: str | None = None  # how: "dictionary", "metonym", "coref:he", "nationality+sector" ...


@dataclass(frozen=True)
class Trigger:
    text: str
    start: int  # character offsets in the document
    end: int
    lemma: str | None = None


@dataclass(frozen=True)
class Location:
    name: str
    country: str | None = None  # ISO alpha-3
    lat: float | None = None
    lon: float | None = None
    feature: str | None = None  # "city", "country", "admin1"
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Plover:
    event_type: str  # AGREE, CONSULT, ... (PLOVER 16 types)
    mode: str | None = None


@dataclass(frozen=True)
class Event:
    """One coded interaction: who did what to whom, when and where, and why we say so."""

    event_id: str
    doc_id: str
    sentence_id: int  # 0-based index of the sentence in the document
    sentence: str
    source: Actor
    target: Actor
    code: str  # CAMEO event code, e.g. "043"
    root_code: str  # "04"
    label: str  # the code's name
    goldstein: float
    quad_class: int  # 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict
    plover: Plover
    trigger: Trigger
    confidence: float
    rule: str  # the pattern and path that fired, so every event can be explained
    date: str | None = None  # "2021-07-31", "2021-07", "2021"; precision = its length
    date_precision: str | None = None  # "day" | "week" (date = its Monday) | "month" | "year"
    date_source: str | None = None  # "sentence" (a time expression) or "publication"
    date_text: str | None = None  # the expression the date was read from
    location: Location | None = None
    sentence_start: int = 0  # character offsets of the sentence in the document
    sentence_end: int = 0
    coder_version: str = CODER_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_event_id(doc_id: str, sentence_id: int, trigger_start: int, source_code: str,
                  target_code: str, code: str) -> str:
    """Same input, same id: a hash of where the event is said and what was coded."""
    key = "\x1f".join([doc_id, str(sentence_id), str(trigger_start), source_code, target_code, code])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


# Flat column names for CSV (and the store's events table); nested fields joined with "_".
def flatten(event: Event | dict[str, Any]) -> dict[str, Any]:
    d = event.to_dict() if isinstance(event, Event) else event
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}_{sub}"] = v
        elif value is None and key == "location":
            for sub in ("name", "country", "lat", "lon", "feature", "start", "end"):
                out[f"location_{sub}"] = None
        else:
            out[key] = value
    return out


FLAT_COLUMNS: list[str] = list(flatten(Event(
    event_id="", doc_id="", sentence_id=0, sentence="",
    source=Actor(text="", code=""), target=Actor(text="", code=""),
    code="", root_code="", label="", goldstein=0.0, quad_class=0,
    plover=Plover(event_type=""), trigger=Trigger(text="", start=0, end=0),
    confidence=0.0, rule="")).keys())


def event_from_dict(d: dict[str, Any]) -> Event:
    """Inverse of `Event.to_dict()` (for reading JSONL or Parquet shards back)."""
    loc = d.get("location")
    return Event(
        **{k: v for k, v in d.items() if k not in ("source", "target", "plover", "trigger", "location")},
        source=Actor(**d["source"]),
        target=Actor(**d["target"]),
        plover=Plover(**d["plover"]),
        trigger=Trigger(**d["trigger"]),
        location=Location(**loc) if loc else None,
    )


__all__ = [
    "CODER_VERSION", "Document", "ReadError", "Actor", "Trigger", "Location", "Plover", "Event",
    "make_event_id", "flatten", "FLAT_COLUMNS", "event_from_dict",
]

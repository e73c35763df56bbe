"""The event's own date, from the sentence's time expressions, against the publication date.

Precision is kept: "in February 2020" is "2020-02" (month), never an invented day. Rules cover
what dateparser does not ("at the end of July", "since January", "last Friday", "at that
time"); dateparser (with the publication date as base, past preferred) handles the rest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta

from spacy.tokens import Doc, Span, Token

from whowhom.nlp.spans import time_spans

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
NUMBERS = {w: i for i, w in enumerate(["a", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                       "ten", "eleven", "twelve"], start=1)}
NUMBERS.update({"an": 1, "one": 1})
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday",
                                        "saturday", "sunday"])}
_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_YEAR = r"((?:19|20)\d\d)"
ANAPHORIC = re.compile(r"^(at that time|at the time|back then|then|that year|that month)$", re.I)
# Durations and vague spans are not a date for an event.
VAGUE = re.compile(r"\b(years|decades|months|weeks|days|hours|long|recent|future|past few|coming|"
                   r"ago\b.*\bseveral|a while|the past|annual|daily|weekly|monthly)\b", re.I)


@dataclass(frozen=True)
class EventDate:
    value: str  # "2021-07", "2021-07-28", "2021"; a week is given by its Monday
    precision: str  # day | week | month | year
    text: str
    source: str  # "sentence" | "publication" | "context"


def _d(y: int, m: int | None = None, d: int | None = None) -> tuple[str, str]:
    if m is None:
        return f"{y:04d}", "year"
    if d is None:
        return f"{y:04d}-{m:02d}", "month"
    return f"{y:04d}-{m:02d}-{d:02d}", "day"


def parse_expression(text: str, pub: str | None) -> tuple[str, str] | None:
    """A time expression → (value, precision), or None if it is no date we can pin down."""
    t = " ".join(text.lower().replace(",", " ").split())
    t = re.sub(r"^(on|in|at|since|from|by|during|until|before|after|early|late|mid-?|the)\s+", "", t)
    t = re.sub(r"^(the\s+)?(end|beginning|start|middle|first half|second half|spring|summer|autumn|fall|winter)\s+of\s+(the\s+)?", "", t)
    t = re.sub(r"^(early|late|mid-?)\s*", "", t).strip()
    base = _base(pub)
    if m := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\s+{_YEAR}", t):
        return _valid(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    if m := re.fullmatch(rf"{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+{_YEAR}", t):
        return _valid(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2)))
    if m := re.fullmatch(rf"{_MONTH}\s+(?:of\s+)?{_YEAR}", t):
        return _d(int(m.group(2)), MONTHS[m.group(1)])
    if m := re.fullmatch(_YEAR, t):
        return _d(int(m.group(1)))
    if m := re.fullmatch(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?", t):
        if base is None:
            return None
        day = int(m.group(1) or m.group(4))
        month = MONTHS[m.group(2) or m.group(3)]
        year = base.year if (month, day) <= (base.month, base.day) else base.year - 1
        return _valid(year, month, day)
    if m := re.fullmatch(_MONTH, t):
        if base is None:
            return None
        month = MONTHS[m.group(1)]
        return _d(base.year if month <= base.month else base.year - 1, month)
    if base is None:
        return None
    if m := re.fullmatch(r"(last|this|past)?\s*(monday|tuesday|wednesday|thursday|friday|saturday|sunday)", t):
        back = (base.weekday() - WEEKDAYS[m.group(2)]) % 7
        if m.group(1) == "last" and back == 0:
            back = 7
        return _d(*(base - timedelta(days=back)).timetuple()[:3])
    if t == "yesterday":
        return _d(*(base - timedelta(days=1)).timetuple()[:3])
    if t in ("today", "this morning", "this afternoon", "this evening", "tonight"):
        return _d(base.year, base.month, base.day)
    if t in ("last week", "this week", "past week"):
        monday = base - timedelta(days=base.weekday() + (7 if t != "this week" else 0))
        return f"{monday.year:04d}-{monday.month:02d}-{monday.day:02d}", "week"
    if t == "last month":
        first = base.replace(day=1) - timedelta(days=1)
        return _d(first.year, first.month)
    if t in ("this month",):
        return _d(base.year, base.month)
    if t == "last year":
        return _d(base.year - 1)
    if t == "this year":
        return _d(base.year)
    if m := re.fullmatch(r"(a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+"
                         r"(day|week|month|year)s?\s+ago", t):
        # "two years ago" is a year, "three weeks ago" a week: no more precise than it says
        n = NUMBERS.get(m.group(1)) or int(m.group(1))
        unit = m.group(2)
        if unit == "year":
            return _d(base.year - n)
        if unit == "month":
            y, mo = divmod(base.year * 12 + base.month - 1 - n, 12)
            return _d(y, mo + 1)
        back = base - timedelta(days=n * (7 if unit == "week" else 1))
        if unit == "week":
            monday = back - timedelta(days=back.weekday())
            return f"{monday.year:04d}-{monday.month:02d}-{monday.day:02d}", "week"
        return _d(back.year, back.month, back.day)
    if VAGUE.search(t):
        return None
    return _dateparser(t, pub)


def _base(pub: str | None) -> Date | None:
    """The publication date as a date; an unusable one (a caller's typo) counts as unknown."""
    try:
        return Date.fromisoformat(pub) if pub else None
    except ValueError:
        return None


def _valid(y: int, m: int, d: int) -> tuple[str, str] | None:
    try:
        Date(y, m, d)
    except ValueError:
        return None
    return _d(y, m, d)


def _dateparser(text: str, pub: str | None) -> tuple[str, str] | None:
    from datetime import datetime

    settings = {"PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first",
                "RETURN_AS_TIMEZONE_AWARE": False}
    base = _base(pub)
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    try:
        import dateparser  # slow to import: only when the rules above cannot decide

        parser = dateparser.date.DateDataParser(languages=["en"], settings=settings)
        data = parser.get_date_data(text)
    except Exception:  # dateparser raises on odd input; a missing date is not an error
        return None
    if not data or data.date_obj is None:
        return None
    d = data.date_obj
    period = data.period or "day"
    if period == "year":
        return _d(d.year)
    if period == "month":
        return _d(d.year, d.month)
    if period in ("day", "time"):
        return _d(d.year, d.month, d.day)
    return None  # week: too vague to pin


# ------------------------------------------------------------------------- in a sentence ----

def sentence_dates(sent: Doc) -> list[Span]:
    return time_spans(sent)


def event_date(sent: Doc, trigger: Token, pub: str | None, previous: EventDate | None,
               skip: set[int]) -> EventDate | None:
    """The date for an event triggered by `trigger`; `skip` holds token ids inside actors."""
    ents = [e for e in sentence_dates(sent) if not any(t.i in skip for t in e)]
    ents.sort(key=lambda e: (0 if _governed_by(e.root, trigger) else 1, abs(e.root.i - trigger.i)))
    # "has given more than $6 billion since 1991": a running total as of the report, not
    # something done in 1991 ("has been negotiating since January" began in January, and keeps it)
    total = any(c.dep_ == "aux" and c.lemma_.lower() == "have" and c.tag_ in ("VBZ", "VBP")
                for c in trigger.children) and any(
        t.like_num or t.text in ("$", "€", "£") for c in trigger.children if c.dep_ == "dobj" for t in c.subtree)
    for e in ents:
        text = _with_prep(e)
        if total and text.lower().startswith("since "):
            continue
        if ANAPHORIC.match(e.text.strip()):
            if previous is not None:
                return EventDate(previous.value, previous.precision, text, "context")
            continue
        parsed = parse_expression(text, pub)
        if parsed:
            return EventDate(parsed[0], parsed[1], text, "sentence")
    return None


def _governed_by(tok: Token, trigger: Token) -> bool:
    node = tok
    for _ in range(6):
        if node.i == trigger.i:
            return True
        if node.head.i == node.i:
            return False
        node = node.head
    return False


def _with_prep(ent: Span) -> str:
    """'January' under 'since' reads "since January"; 'the end of July' keeps its words."""
    head = ent.root.head
    if head.dep_ == "prep" and head.i == ent.start - 1:
        return f"{head.text} {ent.text}"
    return ent.text

"""Time expressions and proper names in a parsed sentence, without the entity recogniser.

The statistical entity recogniser costs a third of the parse; what whowhom needs from it is
simple: where the dates are (a closed vocabulary of months, weekdays and years) and where the
proper names are (capitalised proper nouns and their compounds). Both are found here from the
text and the parse.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
_DAY = r"(?:[0-3]?\d(?:st|nd|rd|th)?)"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART = r"(?:(?:the\s+)?(?:end|beginning|start|middle|first half|second half)\s+of\s+)"

TIME_EXPRESSION = re.compile(
    r"\b(?:"
    rf"{_PART}?(?:{_DAY}\s+(?:of\s+)?{_MONTH}|{_MONTH}\s+{_DAY}(?!\d))(?:,?\s+{_YEAR})?"  # 4 October 2007, March 28, 2019
    rf"|{_PART}?(?:early\s+|late\s+|mid-?)?{_MONTH}(?:\s+(?:of\s+)?{_YEAR})?"  # the end of July, February 2020
    rf"|(?:last|this|past)\s+{_WEEKDAY}|{_WEEKDAY}(?:\s+(?:morning|evening|night|afternoon))?"
    r"|yesterday|today|tonight|this\s+(?:morning|afternoon|evening)"
    r"|(?:last|this)\s+(?:week|month|year)"
    r"|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+(?:day|week|month|year)s?\s+ago"
    r"|at\s+that\s+time|at\s+the\s+time|back\s+then"
    rf"|(?:early\s+|late\s+|mid-?)?{_YEAR}(?!\d)"
    r")\b", re.IGNORECASE)


def time_spans(sent: Doc) -> list[Span]:
    """Spans of time expressions ("the end of July", "in February 2020" → "February 2020")."""
    out = []
    for m in TIME_EXPRESSION.finditer(sent.text):
        text = m.group(0)
        if text.lower() == "may" and not _looks_like_month(sent.text, m.start()):
            continue  # the modal verb
        if re.fullmatch(_YEAR, text) and not _year_context(sent.text, m.start()):
            continue  # "1,000 people", a count
        span = sent.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None:
            out.append(span)
    return out


def _looks_like_month(text: str, start: int) -> bool:
    after = text[start + 3:start + 9]
    return bool(re.match(r"\s+(?:\d|of\s+\d)", after)) or text[start:start + 1] == "M"


def _year_context(text: str, start: int) -> bool:
    before = text[max(0, start - 12):start].lower()
    return bool(re.search(r"(?:in|since|of|until|by|from|before|after|during|early|late|mid-?|,)\s*$", before)) \
        or start == 0


def name_span(tok: Token) -> Span:
    """The proper name a token belongs to: its compound chain ("Abdul Ghani Baradar")."""
    head = tok
    while head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.i == head.i + 1 + _gap(head):
        head = head.head
    start = head.i
    for c in head.lefts:
        if c.dep_ == "compound" and c.pos_ == "PROPN":
            start = min(start, c.left_edge.i if c.left_edge.pos_ == "PROPN" else c.i)
    return head.doc[start:head.i + 1]


def _gap(tok: Token) -> int:
    return tok.head.i - tok.i - 1


def is_name(tok: Token) -> bool:
    return tok.pos_ == "PROPN" and tok.text[:1].isupper()


def proper_names(sent: Doc) -> list[Span]:
    """Every maximal proper-name span in the sentence."""
    out = []
    seen: set[int] = set()
    for tok in sent:
        if tok.i in seen or not is_name(tok) or tok.dep_ == "compound" and tok.head.pos_ == "PROPN":
            continue
        span = name_span(tok)
        seen.update(range(span.start, span.end))
        out.append(span)
    return out

"""Query-string parameters of the API: declared once, checked before anything reaches the store.

Every value is checked against a narrow pattern here and then handed to the store's query
methods, which bind it as a SQL parameter; nothing from a request is ever pasted into SQL text.
Lists may be given comma-separated (`actor=CHN,RUS`) or repeated (`actor=CHN&actor=RUS`).
"""
from __future__ import annotations

import re
from typing import Any

from fastapi import Query, Request

MAX_LIST = 50  # values per list parameter
MAX_TEXT = 200  # characters of a free-text filter

_ACTOR = re.compile(r"^[A-Z0-9-]{1,32}$")  # CAMEO writes an unknown country as "---": ---GOV
_COUNTRY = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[0-9]{1,4}$")
_PLOVER = re.compile(r"^[A-Z_]{1,32}$")
_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")


class ApiError(Exception):
    """An error the client can fix; rendered as {"error", "message", "status"[, "param"]}."""

    def __init__(self, status: int, message: str, *, error: str | None = None,
                 param: str | None = None, headers: dict[str, str] | None = None,
                 details: list[Any] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error = error or {400: "bad_request", 401: "unauthorized", 403: "forbidden",
                               404: "not_found", 409: "conflict", 413: "payload_too_large",
                               415: "unsupported_media_type", 422: "invalid_body",
                               503: "unavailable"}.get(status, "error")
        self.param = param
        self.headers = headers
        self.details = details


def _values(name: str, raw: list[str] | None) -> list[str]:
    out: list[str] = []
    for item in raw or []:
        out.extend(v.strip() for v in item.split(",") if v.strip())
    if len(out) > MAX_LIST:
        raise ApiError(400, f"{name}: at most {MAX_LIST} values", param=name)
    return out


def _checked(name: str, raw: list[str] | None, pattern: re.Pattern[str], what: str,
             upper: bool = True) -> list[str] | None:
    vals = _values(name, raw)
    if upper:
        vals = [v.upper() for v in vals]
    for v in vals:
        if not pattern.match(v):
            raise ApiError(400, f"{name}: {v[:40]!r} is not {what}", param=name)
    return vals or None


def _text(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise ApiError(400, f"{name}: at most {MAX_TEXT} characters", param=name)
    if any(ord(c) < 32 for c in value):
        raise ApiError(400, f"{name}: control characters are not allowed", param=name)
    return value.strip()


def _date(name: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    v = value.strip()
    if not _DATE.match(v):
        raise ApiError(400, f"{name}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {v[:40]!r}",
                       param=name)
    return v


FILTER_PARAMS = ("source", "target", "actor", "country", "location_country", "code", "root",
                 "plover", "quad_class", "since", "until", "place", "text", "min_mentions")


def event_filters(
    source: list[str] | None = Query(None, description="Source actor: CAMEO actor code prefix, "
                                     "so a country code matches all its actors (`CHN` matches "
                                     "CHN, CHNGOV, CHNMIL). Comma-separated or repeated = any of.",
                                     examples=["CHNGOV"]),
    target: list[str] | None = Query(None, description="Target actor (code prefix, as `source`).",
                                     examples=["AFG"]),
    actor: list[str] | None = Query(None, description="Actor on either side (code prefix)."),
    country: list[str] | None = Query(None, description="ISO alpha-3 of either actor or of the "
                                      "event location."),
    location_country: list[str] | None = Query(None, description="ISO alpha-3 of the event "
                                               "location only."),
    code: list[str] | None = Query(None, description="CAMEO event code prefix: `04` matches 040, "
                                   "042, 0431 ..."),
    root: list[str] | None = Query(None, description="CAMEO root code, 01-20."),
    plover: list[str] | None = Query(None, description="PLOVER event type (AGREE, CONSULT, ...)."),
    quad_class: list[str] | None = Query(None, description="1 verbal cooperation, 2 material "
                                         "cooperation, 3 verbal conflict, 4 material conflict."),
    since: str | None = Query(None, description="First date (inclusive): YYYY, YYYY-MM or "
                              "YYYY-MM-DD.", examples=["2021-07"]),
    until: str | None = Query(None, description="Last date (inclusive; `2021-07` = through 31 "
                              "July)."),
    place: str | None = Query(None, description="Text contained in the location name "
                              "(case-insensitive)."),
    text: str | None = Query(None, description="Text contained in a sentence reporting the event "
                             "(case-insensitive)."),
    min_mentions: int | None = Query(None, ge=1, le=1_000_000,
                                     description="At least this many mentions."),
) -> dict[str, Any]:
    """The common event filters, checked; only the ones given are returned."""
    f: dict[str, Any] = {
        "source": _checked("source", source, _ACTOR, "an actor code (letters, digits, -)"),
        "target": _checked("target", target, _ACTOR, "an actor code (letters, digits, -)"),
        "actor": _checked("actor", actor, _ACTOR, "an actor code (letters, digits, -)"),
        "country": _checked("country", country, _COUNTRY, "an ISO 3166 alpha-3 code like CHN"),
        "location_country": _checked("location_country", location_country, _COUNTRY,
                                     "an ISO 3166 alpha-3 code like CHN"),
        "code": _checked("code", code, _CODE, "a CAMEO code (1 to 4 digits)"),
        "root": _checked("root", root, _CODE, "a CAMEO root code (01-20)"),
        "plover": _checked("plover", plover, _PLOVER, "a PLOVER event type like CONSULT"),
        "quad_class": _checked("quad_class", quad_class, re.compile(r"^[1-4]$"), "1, 2, 3 or 4"),
        "since": _date("since", since),
        "until": _date("until", until),
        "place": _text("place", place),
        "text": _text("text", text),
        "min_mentions": min_mentions,
    }
    for r in f["root"] or []:
        if not 1 <= int(r) <= 20:
            raise ApiError(400, f"root: {r!r} is not a CAMEO root code (01-20)", param="root")
    if f["since"] and f["until"] and _lower(f["since"]) > _upper(f["until"]):
        raise ApiError(400, f"since ({f['since']}) is after until ({f['until']})", param="since")
    return {k: v for k, v in f.items() if v is not None}


def _lower(d: str) -> str:
    return (d + "-01-01")[:10] if len(d) == 4 else (d + "-01")[:10] if len(d) == 7 else d


def _upper(d: str) -> str:
    return d + "-12-31" if len(d) == 4 else d + "-31" if len(d) == 7 else d


def check_known(request: Request, allowed: set[str]) -> None:
    """400 on a query parameter the endpoint does not know (a typo would otherwise be ignored
    silently and return unfiltered data)."""
    unknown = sorted(set(request.query_params.keys()) - allowed)
    if unknown:
        raise ApiError(400, f"unknown query parameter(s): {', '.join(u[:40] for u in unknown)}; "
                            f"this endpoint accepts: {', '.join(sorted(allowed))}",
                       param=unknown[0][:40])

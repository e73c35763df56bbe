"""Read-side API of the store: the queries a CLI, a notebook or the web dashboard calls.

Every method builds parameterised SQL (user values are always bound as `?` parameters, never
pasted into the SQL text; the few identifiers that vary — the period of `by`, the sort column,
the grouping level — come from fixed whitelists) and returns a list of dicts (dates as ISO
strings), or an Arrow table with `arrow=True`.

Common filters (all optional, combined with AND; a list — or a comma-separated string — means
"any of"):

    source, target    actor code prefix: "CHN" matches CHN, CHNGOV, CHNMIL...
    actor             actor code prefix on either side
    country           ISO alpha-3 of either actor or of the event location
    location_country  ISO alpha-3 of the event location only
    code              CAMEO event code prefix: "04" matches 04, 040, 042, 0431...
    root              CAMEO root code (2 digits; "4" is read as "04")
    plover            PLOVER event type (AGREE, CONSULT, ...), case-insensitive
    quad_class        1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
                      4 material conflict
    since, until      inclusive date bounds: "2021", "2021-07" or "2021-07-31" ("until 2021-07"
                      means through 31 July); undated events are then left out
    place             text contained in the location name (case-insensitive)
    text              text contained in the sentence of any mention (case-insensitive)
    min_mentions      at least this many mentions
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from typing import Any, Sequence

from whowhom.records import Event, event_from_dict

FILTER_NAMES = ("source", "target", "actor", "country", "location_country", "code", "root",
                "plover", "quad_class", "since", "until", "place", "text", "min_mentions")

_ORDERS = {
    "date": ("coalesce(date, DATE '0001-01-01')", "ASC", "date"),
    "-date": ("coalesce(date, DATE '0001-01-01')", "DESC", "date"),
    "mentions": ("num_mentions", "ASC", "int"),
    "-mentions": ("num_mentions", "DESC", "int"),
    "goldstein": ("goldstein", "ASC", "float"),
    "-goldstein": ("goldstein", "DESC", "float"),
    "added": ("date_added", "ASC", "timestamp"),
    "-added": ("date_added", "DESC", "timestamp"),
}
_PERIODS = {"day": "day", "week": "week", "month": "month", "year": "year"}
# which date precisions may be counted in a series of a given period
_PRECISIONS_FOR = {"day": ("day",), "week": ("day", "week"), "month": ("day", "week", "month"),
                   "year": ("day", "week", "month", "year")}
_LEVELS = {"code": ("source_code", "target_code"),
           "country": ("coalesce(source_country, source_code)",
                       "coalesce(target_country, target_code)")}
MAX_LIMIT = 100_000

_SHARES = """avg(CASE WHEN quad_class = 1 THEN 1.0 ELSE 0.0 END) AS q1_share,
       avg(CASE WHEN quad_class = 2 THEN 1.0 ELSE 0.0 END) AS q2_share,
       avg(CASE WHEN quad_class = 3 THEN 1.0 ELSE 0.0 END) AS q3_share,
       avg(CASE WHEN quad_class = 4 THEN 1.0 ELSE 0.0 END) AS q4_share"""


class Page(list):
    """A list of rows plus `next_cursor`: pass it back as `cursor=` for the next page (None at
    the end)."""

    next_cursor: str | None = None


def _period_bound(value: Any, end: bool, name: str) -> _dt.date | None:
    """'2021' / '2021-07' / '2021-07-31' (or a date) -> first (or last) day of that period."""
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    s = str(value).strip()
    try:
        if len(s) == 4 and s.isdigit():
            y = int(s)
            return _dt.date(y, 12, 31) if end else _dt.date(y, 1, 1)
        if len(s) == 7 and s[4] == "-":
            y, m = int(s[:4]), int(s[5:])
            first = _dt.date(y, m, 1)
            if not end:
                return first
            return _dt.date(y + (m == 12), m % 12 + 1, 1) - _dt.timedelta(days=1)
        if len(s) == 10:
            return _dt.date.fromisoformat(s)
    except ValueError:
        pass
    raise ValueError(f"{name}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v is not None and v != ""]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [value]


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        for k, v in r.items():
            if isinstance(v, (_dt.date, _dt.datetime)):
                r[k] = v.isoformat()
    return rows


def _code(value: Any, what: str) -> str:
    s = str(value).strip()
    if not s.isdigit() or len(s) > 4:
        raise ValueError(f"{what}: a CAMEO code is 1 to 4 digits, got {value!r}")
    return s.zfill(2) if len(s) == 1 else s


def where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL condition (on the events table) and parameters for the common filters."""
    unknown = set(filters) - set(FILTER_NAMES)
    if unknown:
        raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
    conds: list[str] = []
    params: list[Any] = []

    def any_of(template: str, values: list[Any]) -> None:
        if values:
            n = template.count("?")
            conds.append("(" + " OR ".join(template for _ in values) + ")")
            for v in values:
                params.extend([v] * n)

    up = lambda vs: [str(v).strip().upper() for v in vs]  # noqa: E731
    any_of("starts_with(source_code, ?)", up(_as_list(filters.get("source"))))
    any_of("starts_with(target_code, ?)", up(_as_list(filters.get("target"))))
    any_of("(starts_with(source_code, ?) OR starts_with(target_code, ?))",
           up(_as_list(filters.get("actor"))))
    any_of("(source_country = ? OR target_country = ? OR location_country = ?)",
           up(_as_list(filters.get("country"))))
    any_of("location_country = ?", up(_as_list(filters.get("location_country"))))
    any_of("starts_with(code, ?)", [_code(v, "code") for v in _as_list(filters.get("code"))])
    roots = [_code(v, "root") for v in _as_list(filters.get("root"))]
    if any(len(r) != 2 for r in roots):
        raise ValueError("root: a CAMEO root code has 2 digits (01-20)")
    any_of("root_code = ?", roots)
    any_of("upper(plover_event_type) = ?", up(_as_list(filters.get("plover"))))
    quads = []
    for q in _as_list(filters.get("quad_class")):
        try:
            qi = int(q)
        except (TypeError, ValueError):
            qi = 0
        if qi not in (1, 2, 3, 4):
            raise ValueError(f"quad_class: expected 1, 2, 3 or 4, got {q!r}")
        quads.append(qi)
    any_of("quad_class = ?", quads)
    since = _period_bound(filters.get("since"), False, "since")
    until = _period_bound(filters.get("until"), True, "until")
    if since is not None:
        conds.append("date >= ?")
        params.append(since)
    if until is not None:
        conds.append("date <= ?")
        params.append(until)
    any_of("contains(lower(location_name), ?)",
           [str(v).lower() for v in _as_list(filters.get("place"))])
    text = filters.get("text")
    if text:
        conds.append("event_id IN (SELECT event_id FROM mentions "
                     "WHERE contains(lower(sentence), ?))")
        params.append(str(text).lower())
    mm = filters.get("min_mentions")
    if mm is not None:
        conds.append("num_mentions >= ?")
        params.append(int(mm))
    return (" AND ".join(conds) if conds else "TRUE"), params


def _limit(limit: int | None, default: int = 100) -> int:
    if limit is None:
        return MAX_LIMIT
    limit = int(limit)
    if limit < 1:
        raise ValueError("limit must be >= 1")
    return min(limit, MAX_LIMIT)


def _encode_cursor(order: str, value: Any, event_id: str) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()
    raw = json.dumps([order, value, event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, order: str) -> tuple[Any, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        o, value, eid = json.loads(raw)
        kind = _ORDERS[order][2]
        if o != order or not isinstance(eid, str):
            raise ValueError
        if kind == "date":
            value = _dt.date.fromisoformat(value) if value else _dt.date(1, 1, 1)
        elif kind == "timestamp":
            value = _dt.datetime.fromisoformat(value) if value else None
        elif kind == "int":
            value = int(value)
        else:
            value = float(value)
        return value, eid
    except (ValueError, TypeError, KeyError, binascii.Error, json.JSONDecodeError):
        raise ValueError("cursor: not a cursor returned by this query with this order") from None


def _gid_of(event_id: str) -> int | None:
    """events.gid of an event id, when computable here (ids of 15+ lower-case hex digits)."""
    head = str(event_id)[:15]
    if len(head) == 15 and all(c in "0123456789abcdef" for c in head):
        return int(head, 16)
    return None


def row_to_event(row: dict[str, Any]) -> Event:
    """Rebuild the coder's `Event` record from a row of the mentions table."""
    d: dict[str, Any] = {}
    nested = {"source": {}, "target": {}, "plover": {}, "trigger": {}, "location": {}}
    from whowhom.store.schema import RECORD_COLUMNS
    for col in RECORD_COLUMNS:
        v = row.get(col)
        if isinstance(v, (_dt.date, _dt.datetime)):
            v = v.isoformat()
        if col == "mention_id":
            d["event_id"] = v
            continue
        head, _, rest = col.partition("_")
        if head in nested and rest and col not in ("source", "target"):
            nested[head][rest] = v
        else:
            d[col] = v
    d.update({k: v for k, v in nested.items() if k != "location"})
    loc = nested["location"]
    d["location"] = loc if any(v is not None for v in loc.values()) else None
    return event_from_dict(d)


class QueryMixin:
    """Query methods of `Store` (mixed in; relies on `_rows` and `_read`)."""

    def _rows(self, sql: str, params: Sequence[Any] = (), arrow: bool = False) -> Any:
        raise NotImplementedError

    # --- events -------------------------------------------------------------------------

    def events(self, *, limit: int | None = 100, offset: int = 0, cursor: str | None = None,
               order: str = "-date", arrow: bool = False, **filters: Any) -> Any:
        """Deduplicated events matching the filters (see the module doc), one dict per event.

        order: "-date" (default, newest first), "date", "-mentions", "mentions", "-goldstein",
        "goldstein", "-added", "added"; ties are broken by event_id, so the order is total.
        Paging: `offset`, or — stable while events are being added — `cursor`: the returned
        list (a `Page`) has `.next_cursor`, pass it back with the same filters and order.
        """
        if order not in _ORDERS:
            raise ValueError(f"order: expected one of {', '.join(_ORDERS)}, got {order!r}")
        col, direction, _kind = _ORDERS[order]
        cond, params = where(filters)
        n = _limit(limit)
        if cursor:
            value, eid = _decode_cursor(cursor, order)
            op = "<" if direction == "DESC" else ">"
            cond += f" AND ({col} {op} ? OR ({col} = ? AND event_id {op} ?))"
            params += [value, value, eid]
            offset = 0
        offset = max(0, int(offset or 0))
        sql = (f"SELECT * FROM events WHERE {cond} ORDER BY {col} {direction}, "
               f"event_id {direction} LIMIT ? OFFSET ?")
        result = self._rows(sql, params + [n, offset], arrow=arrow)
        if arrow:
            return result
        page = Page(result)
        if len(result) == n:
            last = result[-1]
            key = {"date": last.get("date"), "int": last.get("num_mentions"),
                   "float": last.get("goldstein"), "timestamp": last.get("date_added")}[_kind]
            page.next_cursor = _encode_cursor(order, key, last["event_id"])
        return page

    def count_events(self, **filters: Any) -> int:
        """Number of events matching the filters."""
        cond, params = where(filters)
        return self._rows(f"SELECT count(*) AS n FROM events WHERE {cond}", params)[0]["n"]

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event with all its mentions (evidence), or None.

        Each mention has the full record (sentence, offsets, rule, confidence, ...), its
        document's title/url/date/outlet (`doc_title`, `doc_url`, `doc_date`, `doc_outlet`) and
        `marks`: character offsets *within the sentence* of the trigger and both actors.
        """
        gid = _gid_of(event_id)
        if gid is not None:  # an integer filter first: much faster than comparing 5M strings
            rows = self._rows("SELECT * FROM events WHERE gid = ? AND event_id = ?",
                              [gid, event_id])
        else:
            rows = self._rows("SELECT * FROM events WHERE event_id = ?", [event_id])
        if not rows:
            return None
        ev = rows[0]
        cond, params = "m.event_id = ?", [event_id]
        if ev.get("date"):
            # every mention of an event is dated between the first day of its month and the
            # end of its dedup window (see dedup.py): lets DuckDB skip the other row groups
            day = _dt.date.fromisoformat(ev["date"])
            window = int(self.meta.get("dedup_window_days", 1)) if hasattr(self, "meta") else 1
            cond += " AND m.date_day BETWEEN ? AND ?"
            params += [day.replace(day=1), day + _dt.timedelta(days=window + 31)]
        ev["mentions"] = self._mentions(cond, params)
        return ev

    def _mentions(self, cond: str, params: list[Any]) -> list[dict[str, Any]]:
        rows = self._rows(f"""
            SELECT m.* EXCLUDE (date_day), d.title AS doc_title, d.url AS doc_url,
                   d.pub_date AS doc_date, d.outlet AS doc_outlet
            FROM mentions m LEFT JOIN documents d ON d.id = m.doc_id
            WHERE {cond}
            ORDER BY (m.mention_id <> m.event_id), m.date_day, m.doc_id, m.sentence_id,
                     m.trigger_start, m.mention_id""", params)
        for r in rows:
            base = r.get("sentence_start") or 0
            marks = {}
            for part in ("trigger", "source", "target"):
                s, e = r.get(f"{part}_start"), r.get(f"{part}_end")
                if s is not None and e is not None:
                    marks[part] = [s - base, e - base]
            r["marks"] = marks
        return rows

    def mention_records(self, *, event_id: str | None = None,
                        doc_id: str | None = None) -> list[Event]:
        """The coder's `Event` records of an event's mentions or of a document."""
        if (event_id is None) == (doc_id is None):
            raise ValueError("give exactly one of event_id or doc_id")
        col = "event_id" if event_id is not None else "doc_id"
        rows = self._rows(f"SELECT * FROM mentions WHERE {col} = ? "
                          f"ORDER BY doc_id, sentence_id, trigger_start, mention_id",
                          [event_id if event_id is not None else doc_id])
        return [row_to_event(r) for r in rows]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """A stored document (text included) with `events`: its mentions, each with the id of
        the deduplicated event (`event_id`) and that event's counts, ordered by position."""
        rows = self._rows("SELECT * FROM documents WHERE id = ?", [doc_id])
        if not rows:
            return None
        doc = rows[0]
        ments = self._mentions("m.doc_id = ?", [doc_id])
        counts = {r["event_id"]: r for r in self._rows(
            "SELECT event_id, num_mentions, num_sources, num_articles FROM events "
            "WHERE event_id IN (SELECT event_id FROM mentions WHERE doc_id = ?)", [doc_id])}
        for m in ments:
            c = counts.get(m["event_id"], {})
            m["event_num_mentions"] = c.get("num_mentions")
            m["event_num_sources"] = c.get("num_sources")
            m["event_num_articles"] = c.get("num_articles")
        ments.sort(key=lambda m: (m.get("sentence_id") or 0, m.get("trigger_start") or 0,
                                  m["mention_id"]))
        doc["events"] = ments
        return doc

    def documents(self, *, limit: int | None = 100, offset: int = 0,
                  arrow: bool = False) -> Any:
        """Stored documents without their text, newest ingested first."""
        return self._rows("SELECT * EXCLUDE (text) FROM documents ORDER BY ingested_at DESC, id "
                          "LIMIT ? OFFSET ?", [_limit(limit), max(0, int(offset))], arrow=arrow)

    # --- aggregates -----------------------------------------------------------------------

    def dyads(self, source: Any = None, target: Any = None, by: str = "month",
              since: Any = None, until: Any = None, *, split: bool = False,
              level: str = "code", arrow: bool = False, **filters: Any) -> Any:
        """Time series of the events from `source` to `target` (code prefixes; None = anyone).

        One row per period (`by`: day, week — ISO weeks starting Monday —, month, year):
        `period` (first day), `events`, `mentions` (sum of NumMentions), `goldstein` (mean
        Goldstein score), `q1_share`..`q4_share` (share of events per quad class). Only events
        dated at least as precisely as the period are counted (a month-precision event is in
        monthly and yearly series, not in daily ones). With `split=True` rows are further
        broken down by the actual `source`/`target` (at `level` "code" or "country").
        """
        if by not in _PERIODS:
            raise ValueError(f"by: expected day, week, month or year, got {by!r}")
        if level not in _LEVELS:
            raise ValueError(f"level: expected code or country, got {level!r}")
        filters.update(source=source, target=target, since=since, until=until)
        cond, params = where(filters)
        precs = _PRECISIONS_FOR[by]
        cond += f" AND date IS NOT NULL AND date_precision IN ({', '.join('?' for _ in precs)})"
        params += list(precs)
        src, tgt = _LEVELS[level]
        cols = f"{src} AS source, {tgt} AS target, " if split else ""
        sql = f"""
            SELECT CAST(date_trunc('{_PERIODS[by]}', date) AS DATE) AS period, {cols}
                   count(*) AS events, sum(num_mentions)::BIGINT AS mentions,
                   avg(goldstein) AS goldstein,
                   {_SHARES}
            FROM events WHERE {cond}
            GROUP BY ALL ORDER BY period{', events DESC, source, target' if split else ''}"""
        rows = self._rows(sql, params, arrow=arrow)
        if not split and not arrow:
            label = lambda v: ",".join(str(x).upper() for x in _as_list(v)) or None  # noqa: E731
            for r in rows:
                r["source"], r["target"] = label(source), label(target)
        return rows

    def network(self, *, level: str = "code", min_events: int = 1, limit: int | None = 500,
                arrow: bool = False, **filters: Any) -> Any:
        """Actor-to-actor edges weighted by events: `source`, `target` (codes, or countries with
        level="country"), `events`, `mentions`, `goldstein` (mean), quad-class shares and
        `cooperation` (share of quad classes 1-2). Heaviest edges first."""
        if level not in _LEVELS:
            raise ValueError(f"level: expected code or country, got {level!r}")
        cond, params = where(filters)
        src, tgt = _LEVELS[level]
        sql = f"""
            SELECT {src} AS source, {tgt} AS target, count(*) AS events,
                   sum(num_mentions)::BIGINT AS mentions, avg(goldstein) AS goldstein,
                   {_SHARES},
                   avg(CASE WHEN quad_class IN (1, 2) THEN 1.0 ELSE 0.0 END) AS cooperation
            FROM events WHERE {cond}
            GROUP BY ALL HAVING count(*) >= ?
            ORDER BY events DESC, source, target LIMIT ?"""
        return self._rows(sql, params + [int(min_events), _limit(limit)], arrow=arrow)

    def places(self, *, limit: int | None = 500, arrow: bool = False, **filters: Any) -> Any:
        """Events by location: `name`, `country`, `lat`, `lon`, `events`, `mentions`,
        `goldstein` (mean) and quad-class shares; most events first. Events without a located
        place are left out."""
        cond, params = where(filters)
        sql = f"""
            SELECT location_name AS name, location_country AS country,
                   avg(location_lat) AS lat, avg(location_lon) AS lon,
                   count(*) AS events, sum(num_mentions)::BIGINT AS mentions,
                   avg(goldstein) AS goldstein, {_SHARES}
            FROM events WHERE {cond} AND location_name IS NOT NULL
            GROUP BY location_name, location_country
            ORDER BY events DESC, name LIMIT ?"""
        return self._rows(sql, params + [_limit(limit)], arrow=arrow)

    def actors(self, top: int | None = 20, *, role: str | None = None, arrow: bool = False,
               **filters: Any) -> Any:
        """The most active actors: `code`, `country`, `sector`, `name` (most frequent resolved
        name), `names` (up to 5), `as_source`, `as_target`, `events`, `mentions`,
        `first_date`, `last_date`. `role` "source"/"target" counts one side only."""
        if role not in (None, "source", "target"):
            raise ValueError(f"role: expected source or target, got {role!r}")
        active = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
        if not active and role is None:
            return self._rows("SELECT * FROM actors ORDER BY events DESC, code LIMIT ?",
                              [_limit(top)], arrow=arrow)
        cond, params = where(active)
        sides = []
        all_params: list[Any] = []
        if role in (None, "source"):
            sides.append(f"SELECT source_code AS code, source_country AS country, source_sector "
                         f"AS sector, source_name AS name, num_mentions, date, 1 AS s, 0 AS t "
                         f"FROM events WHERE {cond}")
            all_params += params
        if role in (None, "target"):
            sides.append(f"SELECT target_code, target_country, target_sector, target_name, "
                         f"num_mentions, date, 0, 1 FROM events WHERE {cond}")
            all_params += params
        sql = f"""
            WITH sides AS ({' UNION ALL '.join(sides)})
            SELECT code, mode(country) AS country, mode(sector) AS sector, mode(name) AS name,
                   coalesce(approx_top_k(name, 5), []) AS names,
                   sum(s)::INTEGER AS as_source, sum(t)::INTEGER AS as_target,
                   count(*)::INTEGER AS events, sum(num_mentions)::BIGINT AS mentions,
                   min(date) AS first_date, max(date) AS last_date
            FROM sides GROUP BY code ORDER BY events DESC, code LIMIT ?"""
        return self._rows(sql, all_params + [_limit(top)], arrow=arrow)

    def stats(self) -> dict[str, Any]:
        """Row counts, date range and the store's meta data."""
        row = self._rows("""
            SELECT (SELECT count(*) FROM documents) AS documents,
                   (SELECT count(*) FROM mentions) AS mentions,
                   (SELECT count(*) FROM events) AS events,
                   (SELECT count(*) FROM actors) AS actors,
                   (SELECT min(date) FROM events) AS first_date,
                   (SELECT max(date) FROM events) AS last_date""")[0]
        meta = dict((r["key"], r["value"]) for r in self._rows("SELECT key, value FROM meta"))
        row["meta"] = meta
        return row

    # --- exports --------------------------------------------------------------------------

    def export(self, fmt: str, out: Any, *, table: str = "events", header: bool | None = None,
               include_non_plover: bool = False, **filters: Any) -> int:
        """Write events matching `filters` to `out` (a path, or "-" for standard output).

        fmt: "gdelt" (GDELT 2.0 event table, TSV), "plover" (PLOVER JSONL), "csv" or "parquet"
        (`table` = events, mentions or documents). Returns the number of rows written. See
        docs/store.md for each column mapping.
        """
        from whowhom.store.export import export
        return export(self, fmt, out, table=table, header=header,
                      include_non_plover=include_non_plover, **filters)

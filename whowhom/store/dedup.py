"""Cross-article deduplication: which mentions report the same real-world event.

Two mentions can be the same event only if they have the same *key* — source actor code,
target actor code and CAMEO event code — and compatible places (the same location country,
or one of them unknown). Within a key:

1. Day-precision mentions with a known country are clustered per (key, country), greedily in
   date order: the earliest mention anchors an event that takes every mention dated within
   `window` days after the anchor (default 1: the anchor day and the next); the first mention
   after that opens the next event. Events therefore never span more than `window + 1` days,
   however long a story runs (daily reports of a war stay separate events, two days apart).
2. A day-precision mention with an unknown country joins the earliest event of its key from
   step 1 whose span covers its date (ties: the alphabetically first country); the rest are
   clustered among themselves like step 1.
3. A month-precision mention joins the earliest day-precision event of its key anchored in
   that month with a compatible country; otherwise the month-precision mentions of a
   (key, country, month) form one event (one with an unknown country joins an existing
   month event of its key and month, if any).
4. Year-precision and undated mentions are never merged: each is its own event.

The event's id is the mention id of its first mention (its anchor). The result depends only on
the *set* of mentions of a key, never on the order or the batches in which they arrived, so an
interrupted and resumed ingest ends in exactly the same events as a clean one.

Everything is vectorised with numpy: the greedy step runs one "round" per event of the longest
partition (at most the span of days / (window + 1)), each round a `searchsorted` over all
partitions at once.
"""
from __future__ import annotations

import numpy as np

DAY, MONTH, YEAR, NONE = 0, 1, 2, 3
_DAY_BITS = 22  # days are offset to start near 0; 2**22 days is ~11,000 years


def _bits(x: np.ndarray) -> int:
    return max(1, int(x.max()).bit_length()) if x.size else 1


def _lexsort(keys: tuple[np.ndarray, ...], unique: bool = False) -> np.ndarray:
    """`np.lexsort(keys)` (last key primary), as one argsort of the keys packed into int64
    when their value ranges fit in 63 bits (several times faster than lexsort's one stable
    pass per key). `unique`: the first key has no repeated values, so the packed keys are all
    different and an unstable sort gives the same order."""
    n = keys[0].size
    if n < 2:
        return np.arange(n, dtype=np.int64)
    packed = np.zeros(n, dtype=np.int64)
    total = 0
    for k in reversed(keys):
        lo = int(k.min())
        width = (int(k.max()) - lo).bit_length()
        total += width
        if total > 63:
            return np.lexsort(keys)
        if width:
            packed <<= width
            packed |= k - lo
    return np.argsort(packed, kind="quicksort" if unique else "stable")


def _greedy(rows: np.ndarray, parts: list[np.ndarray], day: np.ndarray, mrank: np.ndarray,
            window: int, rep: np.ndarray, unique: bool = False) -> np.ndarray:
    """Anchor-greedy clustering of `rows` per partition; writes `rep`, returns anchor rows."""
    if rows.size == 0:
        return rows
    order = _lexsort((mrank[rows], day[rows], *[p[rows] for p in reversed(parts)]), unique)
    s = rows[order]
    n = s.size
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for p in parts:
        ps = p[s]
        change[1:] |= ps[1:] != ps[:-1]
    pid = np.cumsum(change) - 1
    comp = (pid.astype(np.int64) << _DAY_BITS) | day[s]
    is_anchor = np.zeros(n, dtype=bool)
    ptr = np.flatnonzero(change)
    while ptr.size:
        is_anchor[ptr] = True
        nxt = np.searchsorted(comp, comp[ptr] + window, side="right")
        ok = nxt < n
        ptr, nxt = ptr[ok], nxt[ok]
        ptr = nxt[pid[nxt] == pid[ptr]]
    anchor_pos = np.maximum.accumulate(np.where(is_anchor, np.arange(n), 0))
    rep[s] = s[anchor_pos]
    return s[is_anchor]


def cluster(key: np.ndarray, country: np.ndarray, precision: np.ndarray, day: np.ndarray,
            period_end: np.ndarray, mrank: np.ndarray, window: int = 1) -> np.ndarray:
    """Assign each mention to an event; returns, per row, the row index of its event's anchor.

    key:        int, same value = same (source code, target code, event code)
    country:    int, 0 = unknown location country, else a rank of the country code
    precision:  DAY, MONTH, YEAR or NONE
    day:        days since the epoch of the date (first day of the month for MONTH)
    period_end: for MONTH rows, the first day of the next month (unused otherwise)
    mrank:      unique int per row giving a deterministic order (rank of the mention id)
    """
    n = len(key)
    rep = np.arange(n, dtype=np.int64)
    if n == 0:
        return rep
    window = int(window)
    if window < 0:
        raise ValueError("the deduplication window must be >= 0 days")
    key = np.asarray(key, dtype=np.int64)
    country = np.asarray(country, dtype=np.int64)
    precision = np.asarray(precision, dtype=np.int64)
    mrank = np.asarray(mrank, dtype=np.int64)
    # Replace mrank by its rank 0..n-1 (same order, fewer bits: sorts pack it with the other
    # keys into one int64, see _lexsort). Only when it is unique, as documented.
    if int(mrank.min()) == 0 and int(mrank.max()) == n - 1 \
            and bool((np.bincount(mrank, minlength=n) == 1).all()):
        unique = True  # already a rank
    else:
        by_m = np.argsort(mrank)
        unique = bool((np.diff(mrank[by_m]) != 0).all())
        if unique:
            mrank = np.empty(n, dtype=np.int64)
            mrank[by_m] = np.arange(n, dtype=np.int64)
    dated = (precision == DAY) | (precision == MONTH)
    day = np.asarray(day, dtype=np.int64).copy()
    period_end = np.asarray(period_end, dtype=np.int64).copy()
    if dated.any():
        base = day[dated].min() - window - 1
        day[dated] -= base
        period_end[dated] -= base
        if day[dated].max() + window + 62 >= (1 << _DAY_BITS):
            raise ValueError("dates span too many years to deduplicate")
    day[~dated] = 0
    period_end[~dated] = 0
    kbits, cbits = _bits(key), _bits(country)
    if kbits + cbits + _DAY_BITS > 62:
        raise ValueError("too many distinct event keys in one deduplication pass")

    # 1. day precision, known country: greedy per (key, country)
    rows_a = np.flatnonzero((precision == DAY) & (country > 0))
    anchors_a = _greedy(rows_a, [key, country], day, mrank, window, rep, unique)

    # 2. day precision, unknown country: join the earliest covering event of step 1, else own
    rows_u = np.flatnonzero((precision == DAY) & (country == 0))
    if rows_u.size and anchors_a.size:
        a = anchors_a[_lexsort((mrank[anchors_a], country[anchors_a], day[anchors_a],
                                 key[anchors_a]), unique)]
        comp_a = (key[a] << _DAY_BITS) | day[a]
        target = (key[rows_u] << _DAY_BITS) | (day[rows_u] - window)
        j = np.searchsorted(comp_a, target, side="left")
        jj = np.minimum(j, a.size - 1)
        hit = (j < a.size) & (key[a[jj]] == key[rows_u]) & (day[a[jj]] <= day[rows_u])
        rep[rows_u[hit]] = a[jj[hit]]
        rows_u = rows_u[~hit]
    anchors_u = _greedy(rows_u, [key], day, mrank, window, rep, unique)

    # 3. month precision
    rows_m = np.flatnonzero(precision == MONTH)
    if rows_m.size:
        matched = np.zeros(rows_m.size, dtype=bool)
        anchors = np.concatenate([anchors_a, anchors_u])
        if anchors.size:
            c_of = np.where(np.isin(anchors, anchors_u), 0, country[anchors])
            # 3a. known country: earliest event anchored in the month with that country or none
            byc = _lexsort((mrank[anchors], day[anchors], c_of, key[anchors]), unique)
            a_c, cc = anchors[byc], c_of[byc]
            comp_c = (((key[a_c] << cbits) | cc) << _DAY_BITS) | day[a_c]
            known = country[rows_m] > 0
            mk = rows_m[known]
            best = np.full(mk.size, -1, dtype=np.int64)
            best_day = np.full(mk.size, np.iinfo(np.int64).max)
            for cvals in (country[mk], np.zeros(mk.size, dtype=np.int64)):
                t = (((key[mk] << cbits) | cvals) << _DAY_BITS) | day[mk]
                j = np.searchsorted(comp_c, t, side="left")
                jj = np.minimum(j, max(a_c.size - 1, 0))
                ok = ((j < a_c.size) & (key[a_c[jj]] == key[mk]) & (cc[jj] == cvals)
                      & (day[a_c[jj]] < period_end[mk]))
                better = ok & (day[a_c[jj]] < best_day)
                best[better] = a_c[jj[better]]
                best_day[better] = day[a_c[jj[better]]]
            hit = best >= 0
            rep[mk[hit]] = best[hit]
            matched[np.flatnonzero(known)[hit]] = True
            # 3b. unknown country: earliest event of any country anchored in the month
            unknown = ~known
            if unknown.any():
                mu = rows_m[unknown]
                byd = _lexsort((mrank[anchors], c_of, day[anchors], key[anchors]), unique)
                a_d = anchors[byd]
                comp_d = (key[a_d] << _DAY_BITS) | day[a_d]
                j = np.searchsorted(comp_d, (key[mu] << _DAY_BITS) | day[mu], side="left")
                jj = np.minimum(j, a_d.size - 1)
                ok = (j < a_d.size) & (key[a_d[jj]] == key[mu]) & (day[a_d[jj]] < period_end[mu])
                rep[mu[ok]] = a_d[jj[ok]]
                matched[np.flatnonzero(unknown)[ok]] = True
        # 3c. the rest: one event per (key, country, month); unknown country joins a known one
        rest = rows_m[~matched]
        if rest.size:
            known_rest = rest[country[rest] > 0]
            heads = _group_heads(known_rest, [key, country, day], mrank, rep, unique)
            unk_rest = rest[country[rest] == 0]
            if unk_rest.size and heads.size:
                h = heads[_lexsort((country[heads], day[heads], key[heads]))]
                comp_h = (key[h] << _DAY_BITS) | day[h]
                j = np.searchsorted(comp_h, (key[unk_rest] << _DAY_BITS) | day[unk_rest])
                jj = np.minimum(j, h.size - 1)
                ok = (j < h.size) & (key[h[jj]] == key[unk_rest]) & (day[h[jj]] == day[unk_rest])
                rep[unk_rest[ok]] = h[jj[ok]]
                unk_rest = unk_rest[~ok]
            _group_heads(unk_rest, [key, day], mrank, rep, unique)
    # 4. year precision / undated: each its own event (rep already = self)
    return rep


def _group_heads(rows: np.ndarray, parts: list[np.ndarray], mrank: np.ndarray,
                 rep: np.ndarray, unique: bool = False) -> np.ndarray:
    """Group rows by equal `parts`; the member with the lowest mrank represents the group."""
    if rows.size == 0:
        return rows
    order = _lexsort((mrank[rows], *[p[rows] for p in reversed(parts)]), unique)
    s = rows[order]
    change = np.zeros(s.size, dtype=bool)
    change[0] = True
    for p in parts:
        ps = p[s]
        change[1:] |= ps[1:] != ps[:-1]
    head_pos = np.maximum.accumulate(np.where(change, np.arange(s.size), 0))
    rep[s] = s[head_pos]
    return s[change]

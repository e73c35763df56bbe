"""The HTTP API over an event store, and the dashboard served next to it.

`create_app(db_path, token=None)` returns a FastAPI app:

    GET  /api/health              is the store readable; row counts
    GET  /api/events              events, filtered, sorted, paged with stable cursors
    GET  /api/events/{id}         one event with all its mentions (the evidence)
    GET  /api/dyads               time series: counts, mean Goldstein, quad-class shares
    GET  /api/actors              the most active actors, with codes and resolved names
    GET  /api/network             actor-to-actor edges weighted by events
    GET  /api/places              events by location
    GET  /api/documents/{id}      a stored document with its events marked by offsets
    POST /api/documents           code and store documents (only with a token)
    GET  /                        the dashboard;  GET /docs  the OpenAPI documentation

The app only reads, through the store's short-lived read-only connections, so it keeps
answering while `whowhom ingest` writes to the same file (a read waits for the writer's
current batch to commit, then proceeds). Writing over HTTP is off unless a token is set.
"""
from __future__ import annotations

import datetime as _dt
import hmac
import io
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable

from fastapi import Depends, FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from whowhom.api.params import FILTER_PARAMS, ApiError, check_known, event_filters
from whowhom.store import Store, StoreBusy, StoreError, StoreLocked, StoreNotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"

MAX_PAGE = 500  # events per page
MAX_BODY = 2_000_000  # bytes of a request body
MAX_POST_DOCUMENTS = 100
SORTS = ("-date", "date", "-mentions", "mentions", "-goldstein", "goldstein", "-added", "added")

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")


# --- responses ------------------------------------------------------------------------------

def _default(v: Any) -> Any:
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return None  # NaN / inf
    return str(v)


def _clean(v: Any) -> Any:
    if isinstance(v, float) and v != v:  # NaN
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(_clean(data), default=_default, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(status: int, error: str, message: str, headers: dict[str, str] | None = None,
           **extra: Any) -> Response:
    payload: dict[str, Any] = {"error": error, "message": message, "status": status}
    payload.update({k: v for k, v in extra.items() if v is not None})
    return json_response(payload, status, headers)


# --- middleware -----------------------------------------------------------------------------

class _TooLarge(Exception):
    pass


class GuardMiddleware:
    """Pure ASGI: caps request bodies (413) and adds security headers to every response."""

    def __init__(self, app: Any, max_body: int):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"),
                         (b"content-security-policy", _CSP.encode())]
                headers += [(k, v) for k, v in extra if k not in names]
                if scope.get("path", "").startswith("/api/"):
                    if b"cache-control" not in names:
                        headers.append((b"cache-control", b"no-store"))
                message = dict(message, headers=headers)
            await send(message)

        async def reject(status: int, error: str, msg: str) -> None:
            resp = _error(status, error, msg)
            await resp(scope, receive, send_wrapper)

        length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    length = int(v)
                except ValueError:
                    await reject(400, "bad_request", "Content-Length is not a number")
                    return
        if length is not None and length > self.max_body:
            await reject(413, "payload_too_large",
                         f"request body is {length} bytes; the limit is {self.max_body}")
            return
        received = 0

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except _TooLarge:
            if not started:
                await reject(413, "payload_too_large",
                             f"request body is larger than the limit of {self.max_body} bytes")


# --- the POSTed document ------------------------------------------------------------------

class DocumentIn(BaseModel):
    """One article to code and store (the fields of a `whowhom ingest` JSONL line)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1_000_000,
                      description="The article: plain text, or HTML (detected, or `html: true`).")
    id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f/]+$",
                           description="Document id (default: `api-` + a hash of the text).")
    title: str | None = Field(None, max_length=2000)
    date: str | None = Field(None, max_length=40, description="Publication date, YYYY-MM-DD.")
    url: str | None = Field(None, max_length=4000, pattern=r"^https?://\S+$")
    outlet: str | None = Field(None, max_length=200)
    html: bool = Field(False, description="Treat `text` as an HTML page.")


class DocumentBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[DocumentIn] = Field(min_length=1, max_length=MAX_POST_DOCUMENTS)


def _to_documents(items: list[DocumentIn]) -> list[Any]:
    """Turn posted documents into `Document`s exactly as `whowhom ingest` reads a JSONL line
    (HTML extraction, clutter removal, date normalisation)."""
    import hashlib

    from whowhom.records import Document, ReadError

    out = []
    for i, d in enumerate(items):
        obj = d.model_dump(exclude_none=True)
        if not obj.get("id"):
            obj["id"] = "api-" + hashlib.sha1(d.text.encode("utf-8")).hexdigest()[:12]
        try:
            from whowhom.ingest import _jsonl_lines  # the reader of `whowhom ingest` for JSONL
        except ImportError:  # pragma: no cover - ingest reorganised: fall back to plain text
            _jsonl_lines = None
        if _jsonl_lines is not None:
            got = list(_jsonl_lines(io.BytesIO(json.dumps(obj).encode("utf-8")), "api", None))
        else:  # pragma: no cover
            got = [Document(id=obj["id"], text=d.text, title=d.title, date=d.date, url=d.url,
                            source="api", outlet=d.outlet)]
        for g in got:
            if isinstance(g, ReadError):
                msg = g.message
                raise ApiError(422, f"documents[{i}]: {msg}", details=[{"loc": f"documents[{i}]",
                                                                        "message": msg}])
            out.append(Document(id=g.id, text=g.text, title=g.title, date=g.date, url=g.url,
                                source="api", outlet=g.outlet))
    return out


def _validation_details(exc: ValidationError | RequestValidationError, prefix: str = "") -> list[dict]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body",)]
        where = prefix + ".".join(loc) if loc else prefix.rstrip(".") or "body"
        out.append({"loc": where, "message": e.get("msg", "invalid")})
    return out


# --- the app --------------------------------------------------------------------------------

class _State:
    """What the app keeps between requests: the read-only store, and (lazily) a writer and a
    coder for POST /api/documents."""

    def __init__(self, db_path: str, token: str | None, read_timeout: float,
                 coder_factory: Callable[[], Any] | None, write_timeout: float):
        self.db_path = db_path
        self.token = token
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.store = Store(db_path, read_only=True, timeout=read_timeout)
        self.coder_factory = coder_factory
        self._coder: Any = None
        self._writer: Store | None = None
        self.coder_lock = threading.Lock()  # the coder is not thread-safe
        self.write_lock = threading.Lock()

    def coder(self) -> Any:
        if self._coder is None:
            if self.coder_factory is not None:
                self._coder = self.coder_factory()
            else:
                from whowhom.pipeline import Coder
                self._coder = Coder()
        return self._coder

    def writer(self) -> Store:
        if self._writer is None:
            self._writer = Store(self.db_path, read_only=False, timeout=self.write_timeout,
                                 writer_wait=self.write_timeout)
        return self._writer


def create_app(db_path: str | os.PathLike[str], token: str | None = None, *,
               max_body: int = MAX_BODY, read_timeout: float = 15.0,
               write_timeout: float = 10.0,
               coder_factory: Callable[[], Any] | None = None) -> FastAPI:
    """The API and dashboard over the event store at `db_path` (which must exist).

    `token`: enables POST /api/documents, which then requires `Authorization: Bearer <token>`.
    `coder_factory`: builds the coder for POSTed documents (default `whowhom.pipeline.Coder`),
    called once, on the first POST.
    """
    if token is not None and not str(token).strip():
        raise ValueError("token must not be empty")
    state = _State(os.fspath(db_path), token, read_timeout, coder_factory, write_timeout)

    from whowhom import __version__

    app = FastAPI(
        title="whowhom API",
        version=__version__,
        description="Political event data (who did what to whom, when and where; CAMEO and "
                    "PLOVER) from a whowhom event store. All list endpoints take the same event "
                    "filters. Read-only unless the server was started with a token.",
        docs_url=None, redoc_url=None,  # served below from vendored files (works offline)
    )
    app.state.whowhom = state
    app.add_middleware(GuardMiddleware, max_body=max_body)

    # --- errors -------------------------------------------------------------------------
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _error(exc.status, exc.error, exc.message, exc.headers, param=exc.param,
                      details=exc.details)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        in_body = any(e.get("loc", ("",))[0] == "body" for e in exc.errors())
        status = 422 if in_body else 400
        msg = "; ".join(f"{d['loc']}: {d['message']}" for d in details)
        return _error(status, "invalid_body" if in_body else "bad_request", msg, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        names = {404: "not_found", 405: "method_not_allowed"}
        msg = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and msg == "Not Found":
            msg = f"no such resource: {request.url.path}"
        return _error(exc.status_code, names.get(exc.status_code, "error"), msg,
                      getattr(exc, "headers", None))

    @app.exception_handler(StoreLocked)
    async def _locked(request: Request, exc: StoreLocked) -> Response:
        return _error(503, "store_busy", str(exc), {"Retry-After": "5"})

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        return _error(500, "store_error", str(exc))

    @app.exception_handler(ValueError)
    async def _value_error(request: Request, exc: ValueError) -> Response:
        # the store's query methods raise ValueError for a bad filter value or cursor
        return _error(400, "bad_request", str(exc))

    # --- helpers ------------------------------------------------------------------------
    store = state.store

    def known(*names: str) -> Callable[[Request], None]:
        allowed = set(names)

        def dep(request: Request) -> None:
            check_known(request, allowed)
        return dep

    F = FILTER_PARAMS

    # --- read endpoints -------------------------------------------------------------------
    @app.get("/api/health", tags=["meta"], summary="Is the store readable; counts")
    def health() -> Response:
        s = store.stats()
        return json_response({
            "status": "ok", "version": __version__, "db": os.path.basename(state.db_path),
            "read_only": state.token is None, "posting_enabled": state.token is not None,
            "documents": s.get("documents"), "mentions": s.get("mentions"),
            "events": s.get("events"), "actors": s.get("actors"),
            "first_date": s.get("first_date"), "last_date": s.get("last_date"),
            "schema_version": s.get("meta", {}).get("schema_version"),
            "dedup_window_days": s.get("meta", {}).get("dedup_window_days"),
        })

    @app.get("/api/events", tags=["events"], summary="Events, filtered, sorted and paged",
             dependencies=[Depends(known(*F, "sort", "limit", "cursor", "count"))])
    def list_events(
        filters: dict = Depends(event_filters),
        sort: str = Query("-date", description="One of " + ", ".join(SORTS) + " (`-` = "
                          "descending). Ties are broken by event id, so the order is total."),
        limit: int = Query(50, ge=1, le=MAX_PAGE, description=f"Page size (1-{MAX_PAGE})."),
        cursor: str | None = Query(None, max_length=500, description="`next_cursor` of the "
                                   "previous page (same filters and sort). Keyset paging: "
                                   "stable while documents are being added."),
        count: bool = Query(True, description="Also return `total`, the number of matches."),
    ) -> Response:
        if sort not in SORTS:
            raise ApiError(400, f"sort: expected one of {', '.join(SORTS)}, got {sort[:40]!r}",
                           param="sort")
        page = store.events(limit=limit, cursor=cursor or None, order=sort, **filters)
        out: dict[str, Any] = {"events": list(page), "next_cursor": page.next_cursor,
                               "limit": limit, "sort": sort}
        if count:
            out["total"] = store.count_events(**filters)
        return json_response(out)

    @app.get("/api/events/{event_id}", tags=["events"],
             summary="One event with all its mentions (the evidence)",
             dependencies=[Depends(known())])
    def get_event(event_id: str = PathParam(..., min_length=1, max_length=200,
                                            pattern=r"^[A-Za-z0-9_~.:-]+$")) -> Response:
        ev = store.event(event_id)
        if ev is None:
            raise ApiError(404, f"no event with id {event_id!r}")
        for m in ev.get("mentions", []):
            m["document_api"] = f"api/documents/{m.get('doc_id')}"
        return json_response(ev)

    @app.get("/api/dyads", tags=["aggregates"],
             summary="Time series: event counts, mean Goldstein, quad-class shares",
             dependencies=[Depends(known(*F, "by", "split", "level"))])
    def dyads(
        filters: dict = Depends(event_filters),
        by: str = Query("month", pattern="^(day|week|month|year)$",
                        description="Period: day, week (ISO, from Monday), month or year."),
        split: bool = Query(False, description="One series per source/target pair."),
        level: str = Query("code", pattern="^(code|country)$",
                           description="With split: pairs of actor codes or of countries."),
    ) -> Response:
        source, target = filters.pop("source", None), filters.pop("target", None)
        rows = store.dyads(source, target, by=by, split=split, level=level, **filters)
        for r in rows:
            n = r.get("events") or 0
            for q in (1, 2, 3, 4):
                share = r.get(f"q{q}_share") or 0.0
                r[f"q{q}_events"] = int(round(n * share))
        return json_response({"by": by, "series": rows})

    @app.get("/api/actors", tags=["aggregates"],
             summary="The most active actors, with codes and resolved names",
             dependencies=[Depends(known(*F, "limit", "role"))])
    def actors(
        filters: dict = Depends(event_filters),
        limit: int = Query(50, ge=1, le=MAX_PAGE, description="How many actors."),
        role: str | None = Query(None, pattern="^(source|target)$",
                                 description="Count only one side of the events."),
    ) -> Response:
        return json_response({"actors": store.actors(limit, role=role, **filters)})

    @app.get("/api/network", tags=["aggregates"],
             summary="Actor-to-actor edges weighted by events",
             dependencies=[Depends(known(*F, "level", "min_events", "limit"))])
    def network(
        filters: dict = Depends(event_filters),
        level: str = Query("code", pattern="^(code|country)$",
                           description="Nodes are actor codes, or countries."),
        min_events: int = Query(1, ge=1, le=1_000_000, description="Drop lighter edges."),
        limit: int = Query(200, ge=1, le=MAX_PAGE, description="Heaviest edges first."),
    ) -> Response:
        edges = store.network(level=level, min_events=min_events, limit=limit, **filters)
        return json_response({"level": level, "nodes": _nodes(state, edges), "edges": edges})

    @app.get("/api/places", tags=["aggregates"], summary="Events by location",
             dependencies=[Depends(known(*F, "limit"))])
    def places(
        filters: dict = Depends(event_filters),
        limit: int = Query(500, ge=1, le=2000, description="Most events first."),
    ) -> Response:
        return json_response({"places": store.places(limit=limit, **filters)})

    @app.get("/api/documents", tags=["documents"],
             summary="Stored documents (without their text), newest ingested first",
             dependencies=[Depends(known("limit", "offset"))])
    def list_documents(
        limit: int = Query(50, ge=1, le=MAX_PAGE, description=f"Page size (1-{MAX_PAGE})."),
        offset: int = Query(0, ge=0, le=10_000_000, description="Skip this many."),
    ) -> Response:
        return json_response({"documents": store.documents(limit=limit, offset=offset),
                              "limit": limit, "offset": offset})

    @app.get("/api/documents/{doc_id:path}", tags=["documents"],
             summary="A stored document with its events marked by character offsets",
             dependencies=[Depends(known())])
    def get_document(doc_id: str) -> Response:
        if not doc_id or len(doc_id) > 500 or any(ord(c) < 32 for c in doc_id):
            raise ApiError(400, "document id: 1 to 500 printable characters", param="doc_id")
        doc = store.document(doc_id)
        if doc is None:
            raise ApiError(404, f"no document with id {doc_id!r}")
        doc.pop("content_hash", None)
        doc["highlights"] = _highlights(doc.get("events", []), len(doc.get("text") or ""))
        return json_response(doc)

    # --- writing ------------------------------------------------------------------------
    body_schema = {
        "oneOf": [{"$ref": "#/components/schemas/DocumentIn"},
                  {"$ref": "#/components/schemas/DocumentBatchIn"}]}

    @app.post("/api/documents", tags=["documents"], status_code=201,
              summary="Code documents and store them (needs the server's token)",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": body_schema}}}},
              dependencies=[Depends(known())])
    async def post_documents(request: Request) -> Response:
        if state.token is None:
            raise ApiError(403, "adding documents over HTTP is disabled; start the server with "
                                "--token (or WHOWHOM_TOKEN) to enable it")
        auth = request.headers.get("authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise ApiError(401, "missing token: send `Authorization: Bearer <token>`",
                           headers={"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given.strip().encode(), state.token.encode()):
            raise ApiError(401, "wrong token", headers={"WWW-Authenticate": "Bearer"})
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise ApiError(415, "send the documents as JSON (Content-Type: application/json)")
        raw = await request.body()
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"body is not valid JSON: {exc}") from None
        try:
            if isinstance(obj, dict) and "documents" in obj:
                items = DocumentBatchIn.model_validate(obj).documents
            elif isinstance(obj, dict):
                items = [DocumentIn.model_validate(obj)]
            else:
                raise ApiError(422, "body: expected a document object or {\"documents\": [...]}")
        except ValidationError as exc:
            details = _validation_details(exc)
            raise ApiError(422, "; ".join(f"{d['loc']}: {d['message']}" for d in details),
                           details=details) from None
        docs = _to_documents(items)
        result = await run_in_threadpool(_code_and_store, state, docs)
        status = 201 if result["documents_added"] else 200
        return json_response(result, status)

    # --- dashboard and docs ---------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return HTMLResponse(_DOCS_HTML, headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            comps = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (DocumentIn, DocumentBatchIn):
                js = model.model_json_schema(ref_template="#/components/schemas/{model}")
                js.pop("$defs", None)
                comps[model.__name__] = js
            schema["components"]["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "The token the server was started with (--token)."}}
            for op in schema["paths"].get("/api/documents", {}).values():
                if op.get("operationId", "").startswith("post_documents"):
                    op["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>whowhom API</title>
<link rel="icon" href="static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="static/vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="static/vendor/swagger-ui-bundle.js"></script>
<script src="static/docs.js"></script></body></html>
"""


def _nodes(state: _State, edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes of the network: every code on an edge, its event total and resolved name."""
    totals: dict[str, dict[str, Any]] = {}
    for e in edges:
        for side in ("source", "target"):
            code = e.get(side)
            if code is None:
                continue
            n = totals.setdefault(code, {"id": code, "events": 0, "as_source": 0, "as_target": 0})
            n["events"] += e.get("events") or 0
            n[f"as_{side}"] += e.get("events") or 0
    if totals:
        # names of the codes, from the store's actors table (API-side parameterised query)
        codes = list(totals)
        marks = ", ".join("?" for _ in codes)
        with state.store.reader() as con:
            rows = con.execute(f"SELECT code, name FROM actors WHERE code IN ({marks})",
                               codes).fetchall()
        for code, name in rows:
            totals[code]["name"] = name
    for n in totals.values():
        n.setdefault("name", None)
    return sorted(totals.values(), key=lambda n: (-n["events"], n["id"]))


def _highlights(mentions: list[dict[str, Any]], text_len: int) -> list[dict[str, Any]]:
    """Spans to mark in a document's text: each mention's trigger and actors (document
    character offsets), with the event they belong to."""
    out = []
    for m in mentions:
        for kind in ("source", "target", "trigger"):
            s, e = m.get(f"{kind}_start"), m.get(f"{kind}_end")
            if s is None or e is None or not (0 <= s < e <= text_len):
                continue
            out.append({"start": s, "end": e, "kind": kind, "event_id": m.get("event_id"),
                        "mention_id": m.get("mention_id"), "code": m.get("code"),
                        "label": m.get("label")})
    out.sort(key=lambda h: (h["start"], -h["end"]))
    return out


def _code_and_store(state: _State, docs: list[Any]) -> dict[str, Any]:
    """Code the documents (one at a time through the shared coder) and store them."""
    try:
        with state.coder_lock:
            coder = state.coder()
            pairs = list(coder.code_many(docs)) if hasattr(coder, "code_many") \
                else [(d, coder.code(d)) for d in docs]
    except ApiError:
        raise
    except Exception as exc:  # the model failed to load, or the coder broke on a document
        raise ApiError(500, f"coding failed: {type(exc).__name__}: {exc}", error="coder_error") \
            from None
    try:
        with state.write_lock:
            stats = state.writer().add(pairs, progress=False)
    except StoreBusy as exc:
        raise ApiError(503, str(exc), error="store_busy", headers={"Retry-After": "10"}) from None
    except StoreLocked as exc:
        raise ApiError(503, str(exc), error="store_busy", headers={"Retry-After": "10"}) from None
    # where each document ended up (an id already used by other text is renamed; the same text
    # stored before is skipped): look it up by content hash.
    results = []
    hashes = [d.content_hash for d in docs]
    marks = ", ".join("?" for _ in hashes)
    with state.store.reader() as con:
        rows = con.execute(f"SELECT content_hash, id FROM documents WHERE content_hash IN "
                           f"({marks})", hashes).fetchall()
    stored = dict(rows)
    for d, (_, evs) in zip(docs, pairs):
        sid = stored.get(d.content_hash)
        events = []
        if sid is not None:
            with state.store.reader() as con:
                events = [{"event_id": r[0], "mention_id": r[1], "source": r[2], "code": r[3],
                           "target": r[4], "label": r[5], "date": r[6]}
                          for r in con.execute(
                              "SELECT event_id, mention_id, source_code, code, target_code, "
                              "label, date FROM mentions WHERE doc_id = ? "
                              "ORDER BY sentence_id, trigger_start, mention_id",
                              [sid]).fetchall()]
        results.append({"id": sid, "given_id": d.id, "coded_events": len(evs), "events": events})
    return {"documents_added": stats.documents_added,
            "documents_skipped": stats.documents_skipped,
            "documents_renamed": stats.documents_renamed,
            "mentions_added": stats.mentions_added,
            "documents": results}


__all__ = ["create_app", "STATIC_DIR", "MAX_PAGE", "MAX_BODY"]

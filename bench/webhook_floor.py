"""The floor for webhook ingestion: the least a signed-webhook receiver can do.

One route that reads the body, verifies Kombo's signature with the portal's own
function, takes the event id and inserts the raw event into one table, once per id
(a repeat is answered 200 and changes nothing). No inbox logic, no effects, no
logging per request, no middleware: what is left is the web server, the signature
and one committed insert, on the same database engine settings the portal uses.

Served by granian (ASGI interface, one worker), the server Reflex runs the portal's
production build on, started by bench/webhooks.py as

    granian --interface asgi --workers 1 --factory bench.webhook_floor:create_app

with BENCH_FLOOR_DATABASE_URL and BENCH_FLOOR_WEBHOOK_SECRET in the environment.
"""

from __future__ import annotations

import json
import os

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, Text, func
from sqlalchemy.dialects import postgresql, sqlite
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kombo_portal.db.engine import create_database_engine
from kombo_portal.kombo.signature import SIGNATURE_HEADER, verify_webhook_signature

DATABASE_URL_VARIABLE = "BENCH_FLOOR_DATABASE_URL"
SECRET_VARIABLE = "BENCH_FLOOR_WEBHOOK_SECRET"  # noqa: S105 (a variable's name)

metadata = MetaData()
# Its own table: the floor never touches the portal's schema.
floor_event = Table(
    "bench_floor_event",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def create_table(engine: Engine) -> None:
    metadata.create_all(engine)


def _insert_once(engine: Engine, event_id: str, body: str) -> None:
    dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(floor_event)
        .values(id=event_id, body=body)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    with engine.begin() as connection:
        connection.execute(statement)


def create_app() -> Starlette:
    engine = create_database_engine(os.environ[DATABASE_URL_VARIABLE])
    secrets = (os.environ[SECRET_VARIABLE],)

    async def receive(request: Request) -> JSONResponse:
        raw = await request.body()
        if not verify_webhook_signature(secrets, raw, request.headers.get(SIGNATURE_HEADER)):
            return JSONResponse({"status": "error"}, status_code=401)
        try:
            text = raw.decode("utf-8")
            event_id = json.loads(text)["id"]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"status": "error"}, status_code=400)
        # A blocking driver, as the portal's: off the event loop, in Starlette's pool.
        await run_in_threadpool(_insert_once, engine, event_id, text)
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/webhooks/kombo", receive, methods=["POST"])])

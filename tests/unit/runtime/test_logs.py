"""Structured logs: JSON lines off a terminal, text on one, the correlation id on every record, and the
X-Correlation-Id of HTTP requests."""

import contextlib
import io
import json
import logging
import os
import select
import uuid

import httpx
from fastapi import FastAPI

from services.runtime.logs import CorrelationIds, bind_correlation_id, configure_logging, current_correlation_id

CORRELATION = "X-Correlation-Id"


@contextlib.contextmanager
def own_root_logging():
    """Give the root logger back as it was (pytest's capture handlers of this test phase included)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        logging.captureWarnings(False)


def test_not_on_a_terminal_each_record_is_one_json_line_with_the_correlation_id():
    stream = io.StringIO()
    log = logging.getLogger(f"tgpl.test.{uuid.uuid4().hex[:6]}")
    with own_root_logging():
        configure_logging("assignment", "auto", stream=stream)
        log.info("outside any message")
        token = bind_correlation_id("CA-GL:T-1:1")
        try:
            log.warning("chose %s for case %s", "PC-A", "c-1")
            try:
                raise ValueError("nhập sai")
            except ValueError:
                log.exception("handler failed\non two lines")
        finally:
            token.var.reset(token)
        log.info("after it")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 4  # a multi-line message and a traceback stay on their record's line
    records = [json.loads(line) for line in lines]
    assert [r["correlation_id"] for r in records] == [None, "CA-GL:T-1:1", "CA-GL:T-1:1", None]
    assert {r["service"] for r in records} == {"assignment"}
    chose, failed = records[1], records[2]
    assert chose["level"] == "WARNING" and chose["message"] == "chose PC-A for case c-1"
    assert chose["logger"] == log.name and chose["time"].endswith("+00:00")
    assert failed["level"] == "ERROR" and failed["message"] == "handler failed\non two lines"
    assert "ValueError: nhập sai" in failed["exc_info"] and "Traceback" in failed["exc_info"]
    assert "exc_info" not in chose and "trace_id" not in chose  # no span: tracing is off


def read_terminal(fd: int, lines: int) -> str:
    """What was written to a pseudo-terminal, once it holds `lines` lines (a read may return part of it)."""
    written = b""
    while written.count(b"\n") < lines and select.select([fd], [], [], 5.0)[0]:
        written += os.read(fd, 4096)
    return written.decode()


def test_on_a_terminal_lines_are_text_with_the_correlation_id_unless_json_is_asked_for(monkeypatch):
    monkeypatch.delenv("TGPL_LOG_FORMAT", raising=False)
    master, slave = os.openpty()
    with own_root_logging(), os.fdopen(slave, "w") as terminal:
        configure_logging("intake", None, stream=terminal)
        token = bind_correlation_id("case:42")
        logging.getLogger("tgpl.test").warning("hello")
        token.var.reset(token)
        logging.getLogger("tgpl.test").warning("bye")
        terminal.flush()
        written = read_terminal(master, lines=2)
    os.close(master)
    assert written.splitlines() == ["WARNING tgpl.test [case:42]: hello", "WARNING tgpl.test: bye"]

    forced, text = io.StringIO(), io.StringIO()
    with own_root_logging():
        configure_logging("intake", "json", stream=forced)
        logging.getLogger("tgpl.test").warning("json")
        configure_logging("intake", "text", stream=text)
        logging.getLogger("tgpl.test").warning("text")
        handlers = len(logging.getLogger().handlers)
    assert json.loads(forced.getvalue())["message"] == "json"
    assert text.getvalue() == "WARNING tgpl.test: text\n"
    assert handlers == 1  # configuring again replaces, never doubles, the lines


def app_logging_its_correlation_id() -> FastAPI:
    app = FastAPI()

    @app.get("/who")
    async def who() -> dict:
        logging.getLogger("tgpl.test.http").warning("handling")
        return {"correlation_id": current_correlation_id()}

    app.add_middleware(CorrelationIds)
    return app


async def test_http_requests_carry_the_callers_correlation_id_or_a_new_one():
    stream = io.StringIO()
    with own_root_logging():
        configure_logging("intake", "json", stream=stream)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app_logging_its_correlation_id()),
                                     base_url="http://service") as client:
            given = await client.get("/who", headers={CORRELATION: "agency-req-7"})
            fresh = [await client.get("/who") for _ in range(2)]
            junk = await client.get("/who", headers={CORRELATION: "x" * 500})

    assert given.json() == {"correlation_id": "agency-req-7"} and given.headers[CORRELATION] == "agency-req-7"
    made = [r.headers[CORRELATION] for r in fresh]
    assert made[0] != made[1] and all(uuid.UUID(m) for m in made)
    assert [r.json()["correlation_id"] for r in fresh] == made
    assert len(junk.headers[CORRELATION]) == 36  # a caller's overlong id is replaced, not logged
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    logged = [r["correlation_id"] for r in records if r["logger"] == "tgpl.test.http"]  # not httpx's own
    assert logged == ["agency-req-7", *made, junk.headers[CORRELATION]]
    assert current_correlation_id() is None  # nothing leaks out of a request

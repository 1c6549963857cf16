"""Structured logs: one JSON object a line when stderr is not a terminal, and on every record the
correlation id of the message or HTTP request being handled (the id one inbound notice passes on to
everything it causes), so one notice's lines can be found across services."""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from contextvars import ContextVar, Token
from datetime import datetime, timezone
from typing import TextIO

from opentelemetry import trace

#: The correlation id of what this task is handling now; set by the consumers around each message
#: and by `CorrelationIds` around each HTTP request. A contextvar, so concurrent work never mixes.
CORRELATION_ID: ContextVar[str | None] = ContextVar("tgpl_correlation_id", default=None)
CORRELATION_HEADER = "X-Correlation-Id"
FORMATS = ("auto", "json", "text")


def bind_correlation_id(correlation_id: str | None) -> Token:
    """Make `correlation_id` the current one; pass the token to `CORRELATION_ID.reset` when done."""
    return CORRELATION_ID.set(correlation_id)


def current_correlation_id() -> str | None:
    """The correlation id of the message or request being handled, if any."""
    return CORRELATION_ID.get()


class CorrelationFilter(logging.Filter):
    """Adds `service` and `correlation_id` to every record a handler emits (a handler's filter sees the
    records of every logger, a logger's only its own)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.correlation_id = CORRELATION_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, service, correlation_id,
    the trace of the current span when tracing is on, and the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", None),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The terminal's format: level, logger, the correlation id in brackets when there is one, message."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s%(correlation)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        correlation_id = getattr(record, "correlation_id", None)
        record.correlation = f" [{correlation_id}]" if correlation_id else ""
        return super().format(record)


def chosen_format(setting: str | None, stream: TextIO) -> str:
    """`json` or `text`: the setting (TGPL_LOG_FORMAT) when it names one, else text on a terminal only."""
    if setting in ("json", "text"):
        return setting
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def configure_logging(service: str, log_format: str | None = None, *, stream: TextIO | None = None,
                      level: int = logging.INFO) -> logging.Handler:
    """Send every logger's records to `stream` (stderr) in the chosen format, with the correlation id."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    fmt = chosen_format(log_format or os.environ.get("TGPL_LOG_FORMAT"), stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(CorrelationFilter(service))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning becomes a record too, not a raw line on stderr
    return handler


class CorrelationIds:
    """ASGI middleware: the request's `X-Correlation-Id` (or a new one) is current while it is handled
    and is sent back on the response, so a caller can quote it and an operator find its log lines."""

    def __init__(self, app) -> None:
        self.app = app
        self._header = CORRELATION_HEADER.lower().encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope.get("headers", ()) if name == self._header), b"")
        # A caller's id is kept only when it is short and printable: it goes into every log line.
        text = given.decode("latin-1").strip()
        correlation_id = text if 0 < len(text) <= 128 and text.isprintable() else str(uuid.uuid4())

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", ()) if n.lower() != self._header]
                message = {**message, "headers": [*headers, (self._header, correlation_id.encode("latin-1"))]}
            await send(message)

        token = CORRELATION_ID.set(correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CORRELATION_ID.reset(token)

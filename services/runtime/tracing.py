"""Traces across services: W3C trace context (`traceparent`) travels in message headers.

FastStream does not run tgpl's pull consumers or its outbox relay, so the context is carried by hand:
a handler's outbox rows get the `traceparent` of the span handling the message (the relay publishes a
row's stored headers later, so the context crosses the broker all the same), and the consumer on the
other side starts a CONSUMER span `<durable> process` under it. A message without one (an agency's
notice) starts a trace. FastStream's own subscriber (reporting's report requests) traces through its
`NatsTelemetryMiddleware`.

Off by default: with no tracer provider set (`TGPL_OTEL_EXPORTER=none`) the consumers only bind the
correlation id, and nothing here touches OpenTelemetry.
"""

from __future__ import annotations

import logging
from contextvars import Token
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.runtime.logs import CORRELATION_ID

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

    from services.runtime.consumers import Delivery

log = logging.getLogger("tgpl.tracing")

CORRELATION_HEADER = "tgpl-correlation-id"
EXPORTERS = ("none", "console", "otlp")
_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None  # None: tracing is off


def use_tracer_provider(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on; None turns tracing off (tests set an in-memory one)."""
    global _provider, _tracer
    _provider = provider
    _tracer = provider.get_tracer("tgpl") if provider is not None else None


def tracer_provider() -> TracerProvider | None:
    """The provider in use, or None when tracing is off."""
    return _provider


def configure_tracing(service: str, exporter: str = "none") -> TracerProvider | None:
    """Set up tracing for a service process from TGPL_OTEL_EXPORTER: `none` (default), `console`
    (spans as JSON on stdout) or `otlp` (the OTLP/HTTP exporter, configured by the standard
    OTEL_EXPORTER_OTLP_* variables; the console if it is not installed)."""
    if exporter not in EXPORTERS:
        raise ValueError(f"TGPL_OTEL_EXPORTER must be one of {', '.join(EXPORTERS)}, not {exporter!r}")
    if exporter == "none":
        use_tracer_provider(None)
        return None
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    span_exporter: Any = None
    if exporter == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            log.warning("TGPL_OTEL_EXPORTER=otlp but opentelemetry-exporter-otlp-proto-http is not installed "
                        "(pip install 'tgpl[otlp]'); spans go to the console instead")
        else:
            span_exporter = OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"tgpl-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter or ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)  # for any library instrumentation too
    use_tracer_provider(provider)
    return provider


def inject_trace_context(headers: dict[str, str]) -> dict[str, str]:
    """Message headers with the current span's `traceparent` added (a copy; the same dict when tracing is off)."""
    if _tracer is not None:
        headers = dict(headers)
        _PROPAGATOR.inject(headers)
    return headers


def correlation_id_of(delivery: Delivery, body: object = None) -> str:
    """The correlation id of a message: its `tgpl-correlation-id` header, else its event's, else its key."""
    return (delivery.headers.get(CORRELATION_HEADER) or getattr(body, "correlation_id", None)
            or delivery.message_key)


class MessageScope:
    """While a consumer handles one message: its correlation id is current (logs) and, when tracing is
    on, a CONSUMER span continuing the message's `traceparent` is the current span."""

    __slots__ = ("_durable", "_delivery", "_correlation_id", "_token", "_span", "_context_token")

    def __init__(self, durable: str, delivery: Delivery, body: object = None) -> None:
        self._durable = durable
        self._delivery = delivery
        self._correlation_id = correlation_id_of(delivery, body)
        self._token: Token | None = None
        self._span: trace.Span | None = None

    def __enter__(self) -> MessageScope:
        self._token = CORRELATION_ID.set(self._correlation_id)
        if _tracer is not None:
            delivery = self._delivery
            self._span = span = _tracer.start_span(
                f"{self._durable} process", context=_PROPAGATOR.extract(delivery.headers), kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "nats", "messaging.operation.type": "process",
                            "messaging.destination.name": delivery.subject,
                            "messaging.consumer.group.name": self._durable,
                            "messaging.message.id": delivery.message_key,
                            "messaging.message.conversation_id": self._correlation_id,
                            "messaging.nats.delivery_count": delivery.deliveries})
            self._context_token = otel_context.attach(trace.set_span_in_context(span))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if (span := self._span) is not None:
            if exc is not None:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, f"{exc_type.__name__}: {exc}"))
            otel_context.detach(self._context_token)
            span.end()
        CORRELATION_ID.reset(self._token)


def handling(durable: str, delivery: Delivery, body: object = None) -> MessageScope:
    """The scope a consumer handles one message in (see `MessageScope`)."""
    return MessageScope(durable, delivery, body)

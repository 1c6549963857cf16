"""Builds a service's AsyncAPI document with FastStream's generator, from the same consumer
specs the service runs, with each message's payload model."""

from __future__ import annotations

from typing import Any, Union

from faststream import FastStream
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from services.runtime.consumers import ConsumerSpec


def _stub(payload: tuple[type[BaseModel], ...]):
    body_type: Any = payload[0] if len(payload) == 1 else Union[payload]  # noqa: UP007 - runtime union

    async def handler(body) -> None:
        """Documentation stub: the running service uses the same subject, durable and payload."""

    handler.__annotations__ = {"body": body_type, "return": None}
    return handler


def asyncapi_document(service: str, description: str, consumers: list[ConsumerSpec],
                      publishes: list[tuple[str, type[BaseModel]]],
                      requests: list[tuple[str, type[BaseModel], str]] = (),
                      nats_url: str = "nats://127.0.0.1:4222") -> dict:
    """The AsyncAPI 3.0 document of one service as a JSON-ready dict."""
    broker = NatsBroker(nats_url, logger=None)
    for spec in consumers:
        broker.subscriber(
            spec.subject, stream=JStream(spec.stream.name, declare=False), durable=spec.durable,
            pull_sub=PullSub(), title=spec.durable, description=spec.description,
        )(_stub(spec.payload))
    for subject, model, description in requests:
        broker.subscriber(subject, title=f"{service}:{subject}", description=description)(_stub((model,)))
    for subject, model in publishes:
        broker.publisher(subject, schema=model, title=f"{service}:{subject}", description=model.__doc__)

    app = FastStream(broker, specification=AsyncAPI(title=f"tgpl {service}", version="1", description=description))
    return app.schema.to_specification().to_jsonable()

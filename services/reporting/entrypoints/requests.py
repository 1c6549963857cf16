"""Ad hoc report requests on `tgpl.reports.request` (core NATS request-reply, EXTERNAL.md §2)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from faststream.nats import NatsBroker, NatsMessage
from pydantic import ValidationError

from services.reporting.service_layer.handlers import Rebuilding, issue_report
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from shared.external import FieldError, Report, ReportError, ReportRequest
from shared.subjects import REPORTS_REQUEST

log = logging.getLogger("tgpl.reporting")
QUEUE_GROUP = "tgpl-reporting"


def subscribe_requests(broker: NatsBroker, uow: Callable[[], ReportingUnitOfWork]) -> None:
    """Answer every report request with the report, or with the reasons the request is invalid."""

    @broker.subscriber(REPORTS_REQUEST, queue=QUEUE_GROUP, include_in_schema=False)
    async def on_request(msg: NatsMessage) -> dict:
        try:
            request = ReportRequest.model_validate_json(msg.body)
        except ValidationError as exc:
            errors = [FieldError(field=".".join(map(str, e["loc"])) or "$", message=e["msg"])
                      for e in exc.errors(include_url=False)]
            return ReportError(errors=errors).model_dump(mode="json")
        try:
            async with uow() as work:
                report: Report = await issue_report(work, request, kind="adhoc", tz=work.tz)
                await work.commit()
        except Rebuilding:
            return ReportError(errors=[FieldError(field="$", message="the read models are being rebuilt; "
                                                  "try again in a few minutes")]).model_dump(mode="json")
        except Exception:  # the requester must get an answer, not a timeout
            log.exception("report request failed")
            return ReportError(errors=[FieldError(field="$", message="internal error; try again")]).model_dump(mode="json")
        return report.model_dump(mode="json")

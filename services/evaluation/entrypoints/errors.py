"""Every error of the evaluation API has one shape: `{"detail": "<Vietnamese>", "field": "<name>|null"}`.

A body or query that does not validate is answered 422 with the first bad field named the way the
staff UI names its inputs (`criteria[2].score`), and every problem listed under `errors`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.evaluation.service_layer.commands import EvaluationError

MESSAGES = {
    "missing": "Thiếu thông tin bắt buộc.",
    "extra_forbidden": "Trường này không được chấp nhận.",
    "string_too_short": "Nội dung quá ngắn (ít nhất {min_length} ký tự).",
    "string_too_long": "Nội dung quá dài (tối đa {max_length} ký tự).",
    "too_short": "Cần ít nhất {min_length} mục.",
    "too_long": "Nhiều nhất {max_length} mục.",
    "greater_than_equal": "Giá trị phải từ {ge} trở lên.",
    "greater_than": "Giá trị phải lớn hơn {gt}.",
    "less_than_equal": "Giá trị không được vượt quá {le}.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "float_parsing": "Phải là số.",
    "float_type": "Phải là số.",
    "bool_parsing": "Phải là đúng hoặc sai (true/false).",
    "bool_type": "Phải là đúng hoặc sai (true/false).",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "date_type": "Ngày không hợp lệ (định dạng YYYY-MM-DD).",
    "literal_error": "Giá trị không hợp lệ; chấp nhận: {expected}.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_pattern_mismatch": "Giá trị không đúng định dạng.",
    "list_type": "Phải là danh sách.",
    "model_attributes_type": "Phải là một đối tượng JSON.",
    "dict_type": "Phải là một đối tượng JSON.",
    "json_invalid": "Nội dung không phải JSON hợp lệ.",
}
FALLBACK = "Giá trị không hợp lệ."


def field_name(loc: tuple[Any, ...]) -> str | None:
    """`("body", "criteria", 2, "score")` -> `criteria[2].score`; the location kind is dropped."""
    parts = [p for p in loc[1:] if p not in ("int", "str")] if loc and loc[0] in ("body", "query", "path") else loc
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or None


def message_of(error: dict[str, Any]) -> str:
    """A Vietnamese message for one pydantic error."""
    template = MESSAGES.get(error.get("type", ""), FALLBACK)
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return FALLBACK


def install_error_handlers(app: FastAPI) -> None:
    """Answer refusals and invalid requests in the API's one error shape."""

    @app.exception_handler(EvaluationError)
    async def refused(_request: Request, exc: EvaluationError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "field": exc.field}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": None if e.get("type") == "json_invalid" else field_name(tuple(e.get("loc", ()))),
                   "message": message_of(e)} for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": FALLBACK}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse({"detail": detail, "field": first["field"], "errors": errors}, status_code=422)

"""The API's Error object (``Error`` in every spec file), the body of each 4xx and 5xx answer."""

from __future__ import annotations

from typing import Any

import attrs

from voucherify_async.models._repr import ShortRepr

__all__ = ["ErrorObject"]


@attrs.frozen(kw_only=True, repr=False)
class ErrorObject(ShortRepr):
    """The body of an error answer: ``{"code": 404, "key": "not_found", "message": "Resource not found"}``.

    The SDK raises :class:`voucherify_async.APIError` subclasses that carry these fields; this model is for
    code that reads recorded error bodies (``from_wire(ErrorObject, error.body)``).

    Attributes:
        code: Usually the HTTP status.
        key: A short machine-readable kind, e.g. ``"invalid_payload"``.
        message: A human-readable summary.
        details: The longer explanation, e.g.
            ``"Property .items[0].initial_quantity cannot be lower than 1"``.
        request_id: The id to quote to Voucherify's support.
        resource_id: The id of the resource the error is about.
        resource_type: The type of that resource, e.g. ``"order"``.
        error: An object with a custom ``message`` configured in the project, if any.
    """

    code: int | None = None
    key: str | None = None
    message: str | None = None
    details: str | None = None
    request_id: str | None = None
    resource_id: str | None = None
    resource_type: str | None = None
    error: dict[str, Any] | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, hash=False)

"""Reading the API's 200 answers into models."""

from __future__ import annotations

from typing import Any, TypeVar

from voucherify_async._errors import InvalidArgumentError, VoucherifyError
from voucherify_async.models import from_wire

__all__ = ["UnexpectedAnswer", "read_answer"]

T = TypeVar("T")


class UnexpectedAnswer(VoucherifyError):
    """The API answered 200 with a body that does not have the shape of the resource asked for.

    The body itself is not part of the message (an export's body carries a download token); the parsing
    error is chained as ``__cause__``.
    """


def read_answer(cls: type[T], answer: Any, request: str) -> T:
    """``from_wire(cls, answer)``, raising :class:`UnexpectedAnswer` instead of a cattrs error.

    Args:
        cls: The model the answer should be.
        answer: The decoded JSON body.
        request: What was asked, for the message, e.g. ``"GET /v1/orders/{id}"``.
    """
    try:
        return from_wire(cls, answer)
    except InvalidArgumentError as error:
        raise UnexpectedAnswer(f"The answer to {request}: {error}. Is base_url the API?") from error

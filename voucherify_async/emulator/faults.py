"""Fault injection: latency, error statuses, dropped connections and lost acknowledgements.

A fault applies to the requests matching its route, either on a fixed schedule (``nth``: the 1-based
indexes among those requests, e.g. the 2nd import) or to each matching request with a seeded probability,
so a reliability test is reproducible run after run.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["status", "latency", "drop", "lost_ack", "slow_ack", "action_failed"]
FAULT_KINDS: tuple[str, ...] = ("status", "latency", "drop", "lost_ack", "slow_ack", "action_failed")


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    Attributes:
        kind: ``"status"`` answers ``status`` with the API's error body (a 429 also gets ``Retry-After`` and
            the ``X-Rate-Limit-*`` headers); ``"latency"`` waits ``delay`` seconds, then handles the request
            normally; ``"drop"`` closes the connection without processing the request; ``"lost_ack"``
            processes the request fully (an import is accepted and queued), then closes the connection
            without a response; ``"slow_ack"`` processes the request fully, then holds the answer for
            ``delay`` seconds (a client that times out meanwhile never learns that its import was queued);
            ``"action_failed"`` lets an import be accepted normally but its async action ends ``FAILED``.
        route: ``"*"`` or a route template such as ``"POST /v1/orders/import"`` or
            ``"GET /v1/async-actions/{id}"``.
        nth: 1-based indexes among the requests matching ``route`` that get the fault (an int or a
            sequence); ``None`` gives every matching request the fault with ``probability``. Note that
            aiohttp's client resends an idempotent request (GET, PUT, DELETE) once by itself when its
            connection drops, so a ``drop`` reaches the caller of a GET only on two requests in a row.
        probability: the chance, drawn from the emulator's seeded generator, when ``nth`` is ``None``.
        status: the status answered by a ``"status"`` fault.
        headers: extra headers of a ``"status"`` answer (they replace the defaults of the same name; one
            given as an empty string is left out, e.g. ``{"Retry-After": ""}`` for a 429 without it).
        delay: seconds of a ``"latency"`` or ``"slow_ack"`` fault (real time).
        body: the JSON body of a ``"status"`` answer instead of the API's error body.

    Example:
        >>> Fault("lost_ack", route="POST /v1/orders/import", nth=2)   # the second import loses its answer
        >>> Fault("status", status=503, probability=0.1)               # one request in ten fails
    """

    kind: FaultKind
    route: str = "*"
    nth: int | Sequence[int] | None = None
    probability: float = 1.0
    status: int = 503
    headers: Mapping[str, str] | None = None
    delay: float = 0.0
    body: Any = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")

    def matches(self, route: str) -> bool:
        """Whether the fault is about requests of ``route``."""
        return self.route in ("*", route)

    def scheduled(self, index: int) -> bool:
        """Whether the ``index``-th matching request (1-based) is on the fixed schedule."""
        if self.nth is None:
            return False
        if isinstance(self.nth, int):
            return index == self.nth
        return index in self.nth


@dataclass
class FaultPlan:
    """The faults of an emulator, their per-fault counts of matching requests and the seeded generator."""

    seed: int = 0
    faults: list[Fault] = field(default_factory=list)
    _counts: dict[int, int] = field(default_factory=dict)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def add(self, fault: Fault) -> None:
        """Add a fault; its count of matching requests starts at zero."""
        self.faults.append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        self.faults.clear()
        self._counts.clear()

    def pick(self, route: str) -> list[Fault]:
        """The faults that hit this request of ``route`` (counting it for every fault that matches)."""
        hits: list[Fault] = []
        for fault in self.faults:
            if not fault.matches(route):
                continue
            key = id(fault)
            self._counts[key] = index = self._counts.get(key, 0) + 1
            if fault.nth is not None:
                if fault.scheduled(index):
                    hits.append(fault)
            elif fault.probability >= 1.0 or self._random.random() < fault.probability:
                hits.append(fault)
        return hits

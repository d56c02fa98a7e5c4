"""CarrierControlBase: the /_emulator routes a carrier emulator (DHL, YunExpress) is driven by in a demo - the true
state of every shipment, tracking scenarios, injected faults and request limits. None of it is part of a carrier's
API; the carrier keeps its own API routes, answer shapes and limiter options.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crossdock.emulators._common.control import error, json_object

Handler = Callable[[Request], Awaitable[Response]]
RouteSpec = tuple[str, Handler, list[str]]


class ScenarioCarrier(Protocol):
    """What a carrier emulator's handle offers its demo controls."""

    def fail_delivery(self, number: str, /) -> None: ...

    def return_to_sender(self, number: str, /) -> None: ...

    def stall(self, number: str, /) -> None: ...

    def fail_next(self, n: int, status: int = 500, /) -> None: ...


CarrierT = TypeVar("CarrierT", bound=ScenarioCarrier)


class CarrierControlBase(ABC, Generic[CarrierT]):
    """The control routes both carrier emulators share; a carrier says how it answers with its shipments and
    which limiter options it takes."""

    # What the carrier calls a shipment's number in its own answers ("shipmentNo", "WayBillNumber").
    number_field: ClassVar[str]

    def __init__(self, emulator: CarrierT) -> None:
        self.emu = emulator

    def routes(self) -> list[RouteSpec]:
        return [
            ("/_emulator/shipments", self.shipments, ["GET"]),
            ("/_emulator/shipments/{number}/{action}", self.scenario, ["POST"]),
            ("/_emulator/fail_next", self.fail_next, ["POST"]),
            ("/_emulator/rate_limit", self.rate_limit, ["POST"]),
        ]

    @abstractmethod
    async def shipments(self, request: Request) -> Response:
        """Every shipment's true state, in the carrier's own encoding."""

    @abstractmethod
    def _set_rate_limit(self, body: dict[str, Any]) -> None:
        """Configure the carrier's limiter from the request body; KeyError, ValueError or TypeError when it is off."""

    async def scenario(self, request: Request) -> Response:
        number, action = request.path_params["number"], request.path_params["action"]
        moves: dict[str, Callable[[str], None]] = {"fail_delivery": self.emu.fail_delivery,
                                                   "return_to_sender": self.emu.return_to_sender,
                                                   "stall": self.emu.stall}
        if action not in moves:
            return error(ValueError(f"unknown scenario {action!r}; one of {sorted(moves)}"), 404)
        try:
            moves[action](number)
        except KeyError as exc:
            return error(exc, 404)
        except ValueError as exc:
            return error(exc, 409)
        return JSONResponse({self.number_field: number, "scenario": action})

    async def fail_next(self, request: Request) -> Response:
        try:
            body = await json_object(request)
            self.emu.fail_next(int(body.get("n", 1)), int(body.get("status", 500)))
        except (ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"queued": True})

    async def rate_limit(self, request: Request) -> Response:
        try:
            self._set_rate_limit(await json_object(request))
        except (KeyError, ValueError, TypeError) as exc:
            return error(exc, 400)
        return JSONResponse({"configured": True})

"""Shopee's error answers: the error names the docs list, and the HTTP statuses the emulator pairs them with."""

from __future__ import annotations

from typing import Any

# Assumption: Shopee documents neither its rate limits nor the error they produce.
TOO_MANY_REQUESTS_ERROR = "error_too_many_request"
TOO_MANY_REQUESTS_MESSAGE = "Too many requests, please try again later."
SERVER_ERROR_MESSAGE = "System error. Please try again later."

# The docs list error codes but not HTTP statuses; these statuses are the emulator's assumption.
ERROR_HTTP_STATUS: dict[str, int] = {
    "error_param": 400,
    "order.order_list_invalid_time": 400,
    "error_sign": 403,
    "error_auth": 403,
    "error_permission": 403,
    "error_shop": 403,
    "error_not_found": 404,
    "error_item_not_found": 404,
    TOO_MANY_REQUESTS_ERROR: 429,
    "error_server": 500,
}


class ApiError(Exception):
    """A refused call: Shopee's error name and message, answered with `status`."""

    def __init__(self, error: str, message: str, status: int | None = None,
                 response: dict[str, Any] | None = None) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.status = status if status is not None else ERROR_HTTP_STATUS.get(error, 400)
        # Batch APIs answer common.batch_api_all_failed together with the per-order result_list.
        self.response = response


def param_error(detail: str) -> ApiError:
    """error_param in the documented "Wrong parameters, detail: {msg}." form."""
    return ApiError("error_param", f"Wrong parameters, detail: {detail}.")

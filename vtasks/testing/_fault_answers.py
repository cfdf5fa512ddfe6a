"""Build the answers that injected faults send instead of (or on top of) the normal one."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from ._faults import Fault
from ._http import Response
from ._timefmt import http_date
from ._vendors import Ctx, Vendor

__all__ = ["damage", "replacement"]

_CF_TITLES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    521: "Web server is down",
    522: "Connection timed out",
    524: "A timeout occurred",
}


def _cloudflare_page(status: int) -> bytes:
    title = _CF_TITLES.get(status, "Error")
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n'
        f"<title>api.example.com | {status}: {title}</title>\n"
        '<meta charset="UTF-8" />\n</head>\n<body>\n<div id="cf-error-details">\n'
        f"<h1><span>{title}</span> <span>Error code {status}</span></h1>\n"
        '<p>Visit <a href="https://www.cloudflare.com/">cloudflare.com</a> for more '
        "information.</p>\n<p>Cloudflare Ray ID: <strong>8f3a2c1b9d7e6f54</strong></p>\n"
        "</div>\n</body>\n</html>\n"
    ).encode()


def _retry_after(value: Any) -> str | None:
    """Format a Retry-After value: seconds, an HTTP date, or verbatim text."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return http_date(time.time() + value.total_seconds())
    if isinstance(value, datetime):
        return http_date(value.timestamp())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body).encode()


def replacement(
    fault: Fault, vendor: Vendor, ctx: Ctx, target: str, other_url: str, base_url: str
) -> Response:
    """Return the answer a ``replace``-category fault sends instead of the normal one."""
    p = fault.params
    kind = fault.kind
    if kind == "drop":
        return Response(0, drop=True)
    if kind == "rate_limit":
        status = int(p.get("status", 429))
        response = vendor.error_response(status, ctx, p.get("message") or "Too many requests.")
        value = _retry_after(p.get("retry_after", 1))
        if value is not None:
            response.headers.append(("Retry-After", value))
        return response
    if kind == "http_error":
        status = int(p.get("status", 500))
        if "body" in p:
            response = Response(
                status, _as_bytes(p["body"]), content_type=p.get("content_type", "application/json")
            )
        else:
            response = vendor.error_response(status, ctx, p.get("message"))
        value = _retry_after(p.get("retry_after"))
        if value is not None:
            response.headers.append(("Retry-After", value))
        return response
    if kind == "html_error":
        status = int(p.get("status", 502))
        body = _as_bytes(p["body"]) if "body" in p else _cloudflare_page(status)
        return Response(
            status,
            body,
            content_type="text/html; charset=UTF-8",
            headers=[("Server", "cloudflare"), ("CF-RAY", "8f3a2c1b9d7e6f54-SJC")],
        )
    if kind == "non_json":
        body = _as_bytes(p.get("body", "<html><body><h1>It works!</h1></body></html>"))
        return Response(
            int(p.get("status", 200)),
            body,
            content_type=p.get("content_type", "text/html; charset=utf-8"),
        )
    if kind == "business_error":
        return vendor.business_error(p["code"], ctx, p.get("message"), int(p.get("status", 200)))
    # redirect
    origin = base_url if p.get("target", "other") == "same" else other_url
    location = origin + target
    if p.get("target", "other") == "same":
        location += ("&" if "?" in target else "?") + "_redirected=1"
    return Response(
        int(p.get("status", 302)), b"", content_type="text/plain", headers=[("Location", location)]
    )


def damage(fault: Fault, response: Response) -> Response:
    """Apply a ``post``-category fault (truncation) to the normal answer."""
    body = response.body
    if "length" in fault.params:
        keep = max(0, min(len(body) - 1, int(fault.params["length"])))
    else:
        keep = int(len(body) * float(fault.params.get("keep", 0.5)))
        keep = max(0, min(len(body) - 1, keep))
    if fault.kind == "truncated_json":
        response.body = body[:keep]
        return response
    response.send_bytes = keep
    response.close = True
    return response

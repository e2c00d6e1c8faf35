"""Pure ASGI middleware.

Request ids and access logs, security headers, a body size limit.
"""

import re
import time
import uuid

import structlog
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.tracebacks import ExceptionDictTransformer

from examples.python.problem_details import Problem, problem_response

# --8<-- [start:security]
# The same header set the Node version gets from helmet, tuned for a JSON API.
SECURITY_HEADERS = {
    # helmet's spelling:
    "content-security-policy": "default-src 'none';frame-ancestors 'none'",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "origin-agent-cluster": "?1",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-dns-prefetch-control": "off",
    "x-download-options": "noopen",
    "x-frame-options": "SAMEORIGIN",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *(
                        (k.encode(), v.encode())
                        for k, v in SECURITY_HEADERS.items()
                    ),
                ]
            await send(message)

        await self.app(
            scope,
            receive,
            send_with_headers if scope["type"] == "http" else send,
        )


# --8<-- [end:security]
# --8<-- [start:body-limit]
MAX_BODY_BYTES = 16 * 1024
ENCODING_DETAIL = "Send the body without a Content-Encoding."


class BodyLimit:
    """Answer 413 before reading a body that is, or turns out to be, over the
    limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        has_body = (
            b"content-length" in headers or b"transfer-encoding" in headers
        )
        # Empty or padded reads as identity, as in Node's body parser.
        encoding = headers.get(b"content-encoding", b"").strip().lower()
        encoding = encoding or b"identity"
        if has_body and encoding != b"identity":
            # As express.raw({ inflate: false }): no compressed bodies.
            compressed = Problem(415, detail=ENCODING_DETAIL)
            answer = problem_response(
                compressed, {"Accept-Encoding": "identity"}
            )
            return await answer(scope, receive, send)
        too_large = Problem(
            413, detail=f"The body must not exceed {self.max_bytes} bytes."
        )
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await problem_response(too_large)(scope, receive, send)
        received = 0

        # For bodies sent without a length.
        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise too_large
            return message

        await self.app(scope, counting_receive, send)


# --8<-- [end:body-limit]
# --8<-- [start:request-log]
# Anything else could forge log lines.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CLIENT_CLOSED = 499
log = structlog.get_logger()


class RequestLog:
    """Give each request an id and log one JSON line.

    The id is the caller's X-Request-ID if sane. It also turns any unhandled
    exception into a 500 problem: the traceback goes to the log, and the
    client learns nothing about the code or the SQL.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = (
            dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        )
        request_id = given if REQUEST_ID.match(given) else str(uuid.uuid4())
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # Gone before its body arrived: nobody to answer, nothing broken.
            # 499 is nginx's "client closed request", for the log line only.
            status = CLIENT_CLOSED
        except Exception:
            log.exception("unhandled error", request_id=request_id)
            # This API sends whole responses, so nothing has been sent when a
            # handler fails.
            crash = Problem(500, detail="An unexpected error occurred.")
            await problem_response(crash)(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )


def configure_logging(level: str) -> None:
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # A crash's traceback as JSON, in one line; without each frame's
            # local variables, which hold passwords, tokens and secrets.
            structlog.processors.ExceptionRenderer(
                ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )


# --8<-- [end:request-log]

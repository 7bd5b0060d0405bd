"""ASGI middleware: the one place the service sees its HTTP traffic whole.

- A POST whose body is not JSON is refused up front (BentoML would try to parse
  multipart without a boundary and answer 500).
- A body larger than the limit is refused with 413 before it is buffered: by its
  Content-Length, or, sent in chunks, as soon as the chunks pass it. The limit is
  CLASSIFIER_MAX_BODY_BYTES, by default sized from the row limit (`body_limit`).
- `POST /feedback` needs `Authorization: Bearer $FEEDBACK_TOKEN`, a secret set at
  deploy time: labels drive the live-accuracy alert and retraining pull requests, so
  nobody else may write them. Without FEEDBACK_TOKEN, feedback is off (403).
- A refused request logs one line with its reason (BentoML's traceback for a
  validation error is filtered out: `OneLineRefusals`).
- Every 400 names what is wrong (`serving.messages.readable_error`) and is counted on
  /metrics by reason and recorded as a refusal.
- Every answered POST /predict is recorded (classifier.serving.record_fields: one record per
  request), with the request id BentoML's response header carries, and counted per class.

Records are written after the response has gone out, so they add no latency.
Prometheus counters are created on first use, in the worker: BentoML points
prometheus_client at its multiprocess directory only once the worker has started.
"""

import collections
import contextlib
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable, Collection, MutableMapping, Sequence
from typing import Any

import bentoml
from pydantic import ValidationError
from pydantic_core import from_json

from classifier.serving import record_fields
from classifier.serving.messages import MAX_ROWS, readable_error

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
log = logging.getLogger(__name__)
# Under the "bentoml" logger, which BentoML's server configures (format, level INFO):
# a logger of our own would have no handler in the worker.
refusals_log = logging.getLogger("bentoml.classifier.refused")
REQUEST_ID = b"x-bentoml-request-id"
COUNTERS: dict[str, Any] = {}


def counter(name: str, about: str, label: str) -> Any:
    """A Prometheus counter of this worker (created once)."""
    if name not in COUNTERS:
        from prometheus_client import Counter

        COUNTERS[name] = Counter(name, about, [label])
    return COUNTERS[name]


def count_predictions(answers: list[dict[str, Any]]) -> None:
    predictions = counter("classifier_predictions", "Predictions served, per class", "label")
    for label, n in collections.Counter(str(a["label"]) for a in answers).items():
        predictions.labels(label=label).inc(n)


def refusal(payload: Any) -> tuple[str, str]:
    """(reason, field) of a 400 body: the first problem's kind and where it is."""
    detail = payload.get("detail") if isinstance(payload, dict) else None
    if isinstance(detail, str):
        with contextlib.suppress(ValueError):
            detail = json.loads(detail)
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        where = [p for p in first.get("loc", []) if isinstance(p, str) and p != "rows"]
        return str(first.get("type", "invalid")), (where[-1] if where else "body")
    return "invalid", "body"


def body_limit(features: int, env: dict[str, str] | None = None) -> int:
    """The largest request body accepted: CLASSIFIER_MAX_BODY_BYTES, else room for the
    row limit's rows (a generous 64 bytes per value, plus the keys).

    >>> body_limit(6, {})
    6400000
    >>> body_limit(6, {"CLASSIFIER_MAX_BODY_BYTES": "1000"})
    1000
    """
    found = (os.environ if env is None else env).get("CLASSIFIER_MAX_BODY_BYTES", "")
    return int(found) if found.isdigit() else MAX_ROWS * 64 * (features + 4)


class OneLineRefusals(logging.Filter):
    """Drops BentoML's traceback for a request it answers with a 4xx: the middleware
    logs those in one line. Anything else (a 500) keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        # A client that went away, or a body cut off by the 413 above: nothing to debug.
        if isinstance(error, ValidationError) or type(error).__name__ == "ClientDisconnect":
            return False
        code = getattr(getattr(error, "error_code", None), "value", 500)
        return not (isinstance(code, int) and 400 <= code < 500)


def record_refusal(reason: str, field: str) -> None:
    refused = counter(
        "classifier_refused_requests", "Requests refused with a 400, per reason", "reason"
    )
    refused.labels(reason=reason).inc()
    with bentoml.monitor(record_fields.REFUSALS) as monitor:
        record_fields.log(monitor, record_fields.refusal_record(reason, field))


class Traffic:
    """Readable, counted and recorded HTTP traffic (see the module's docstring)."""

    def __init__(
        self,
        app: Any,
        model: str,
        features: Sequence[str],
        numeric: Collection[str],
        shadow: Any = None,
    ) -> None:
        self.app = app
        self.model = model
        self.features = features
        self.numeric = numeric
        self.shadow = shadow  # serving.shadow.Shadow: the candidate, after the answer
        self.warned = False
        self.max_body = body_limit(len(features))
        self.feedback_token = os.environ.get("FEEDBACK_TOKEN", "").encode()

    def record_predictions(self, request: bytes, response: bytes, request_id: str) -> None:
        # pydantic's parser: half the time of json.loads on a 1,000-row request.
        rows = from_json(request)["rows"]
        answers = from_json(response)
        count_predictions(answers)
        record = record_fields.prediction_record(
            request_id, self.model, rows, answers, self.features, self.numeric
        )
        with bentoml.monitor(record_fields.PREDICTIONS) as monitor:
            record_fields.log(monitor, record)
        if self.shadow is not None:  # the answer has gone out: the candidate's turn
            self.shadow.submit(request_id, rows, [a[record_fields.LABEL] for a in answers])

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        refused = self.refusal_up_front(scope)
        if refused:
            await self.refuse(scope, send, *refused)
            return
        body: list[bytes] = []
        answer: list[Message] = []
        size = 0

        async def receiving() -> Message:
            nonlocal size
            if size > self.max_body:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > self.max_body:  # chunked: stop before buffering any more
                    body.clear()
                    await self.refuse(scope, send, *self.too_large())
                    return {"type": "http.disconnect"}
                body.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            if size > self.max_body:
                return  # the 413 went out already
            answer.append(message)  # held whole: a 400 is rewritten, a 200 recorded
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await self.respond(scope, b"".join(body), answer, send)

        await self.app(scope, receiving, sending)

    def too_large(self) -> tuple[int, str, str]:
        return 413, "body_too_large", f"the request body is larger than {self.max_body:,} bytes"

    def refusal_up_front(self, scope: Message) -> tuple[int, str, str] | None:
        """(status, reason, message) for a request refused before it is read, or None."""
        media_type = _media_type(scope)
        if media_type not in (None, "application/json"):
            return 400, "content_type", f"Content-Type must be application/json, not {media_type}"
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            return self.too_large()
        if scope["path"] == "/feedback":
            if not self.feedback_token:
                return 403, "feedback_off", "feedback is off: the service has no FEEDBACK_TOKEN"
            given = (_header(scope, b"authorization") or "").removeprefix("Bearer ").encode()
            if not hmac.compare_digest(given, self.feedback_token):
                return 401, "unauthorized", "POST /feedback needs Authorization: Bearer <token>"
        return None

    async def refuse(self, scope: Message, send: Send, status: int, reason: str, text: str) -> None:
        await _send_json(send, status, {"error": text})
        refusals_log.info("refused POST %s (%d): %s", scope["path"], status, text)
        record_refusal(reason, "body")

    async def respond(
        self, scope: Message, request: bytes, answer: list[Message], send: Send
    ) -> None:
        """Send the held answer (a 400 made readable), then record it."""
        start, chunks = answer[0], answer[1:]
        content = b"".join(m.get("body", b"") for m in chunks)
        status = start["status"]
        payload = None
        if status == 400:
            with contextlib.suppress(ValueError, AttributeError):  # not JSON: sent unchanged
                payload = json.loads(content)
                content = json.dumps(readable_error(payload)).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        try:
            if status == 400:
                if isinstance(payload, dict) and "error" in payload:
                    error = str(readable_error(payload).get("error", payload["error"]))
                    refusals_log.info("refused POST %s (400): %s", scope["path"], error[:500])
                record_refusal(*refusal(payload))
            elif status == 200 and scope["path"] == "/predict":
                request_id = dict(start["headers"]).get(REQUEST_ID, b"").decode()
                self.record_predictions(request, content, request_id)
        except Exception:  # a full disk must not stop the service from serving
            if not self.warned:
                log.exception("could not record the request; the service keeps serving")
                self.warned = True


def _header(scope: Message, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1").strip()
    return None


def _media_type(scope: Message) -> str | None:
    found = _header(scope, b"content-type")
    return (found.split(";")[0].strip().lower() or None) if found else None


async def _send_json(send: Send, status: int, payload: dict[str, str]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

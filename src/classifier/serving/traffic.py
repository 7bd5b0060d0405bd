"""ASGI middleware: the one place the service sees its HTTP traffic whole.

- A POST whose body is not JSON is refused up front (BentoML would try to parse
  multipart without a boundary and answer 500).
- Every 400 names what is wrong (`serving.api.readable_error`) and is counted on
  /metrics by reason and recorded as a refusal.
- Every answered POST /predict is recorded (classifier.serving.records: one record per
  request), with the request id BentoML's response header carries, and counted per class.

Records are written after the response has gone out, so they add no latency.
Prometheus counters are created on first use, in the worker: BentoML points
prometheus_client at its multiprocess directory only once the worker has started.
"""

import collections
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Collection, MutableMapping, Sequence
from typing import Any

import bentoml
from pydantic_core import from_json

from classifier.serving import records
from classifier.serving.api import readable_error

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
log = logging.getLogger(__name__)
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


def record_refusal(reason: str, field: str) -> None:
    refused = counter(
        "classifier_refused_requests", "Requests refused with a 400, per reason", "reason"
    )
    refused.labels(reason=reason).inc()
    with bentoml.monitor(records.REFUSALS) as monitor:
        records.log(monitor, records.refusal_record(reason, field))


class Traffic:
    """Readable, counted and recorded HTTP traffic (see the module's docstring)."""

    def __init__(
        self, app: Any, model: str, features: Sequence[str], numeric: Collection[str]
    ) -> None:
        self.app = app
        self.model = model
        self.features = features
        self.numeric = numeric
        self.warned = False

    def record_predictions(self, request: bytes, response: bytes, request_id: str) -> None:
        # pydantic's parser: half the time of json.loads on a 1,000-row request.
        rows = from_json(request)["rows"]
        answers = from_json(response)
        count_predictions(answers)
        record = records.prediction_record(
            request_id, self.model, rows, answers, self.features, self.numeric
        )
        with bentoml.monitor(records.PREDICTIONS) as monitor:
            records.log(monitor, record)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        media_type = _media_type(scope)
        if media_type not in (None, "application/json"):
            error = {"error": f"Content-Type must be application/json, not {media_type}"}
            await _send_json(send, 400, error)
            record_refusal("content_type", "body")
            return
        body: list[bytes] = []
        answer: list[Message] = []

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            answer.append(message)  # held whole: a 400 is rewritten, a 200 recorded
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await self.respond(scope, b"".join(body), answer, send)

        await self.app(scope, receiving, sending)

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
                record_refusal(*refusal(payload))
            elif status == 200 and scope["path"] == "/predict":
                request_id = dict(start["headers"]).get(REQUEST_ID, b"").decode()
                self.record_predictions(request, content, request_id)
        except Exception:  # a full disk must not stop the service from serving
            if not self.warned:
                log.exception("could not record the request; the service keeps serving")
                self.warned = True


def _media_type(scope: Message) -> str | None:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower() or None
    return None


async def _send_json(send: Send, status: int, payload: dict[str, str]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

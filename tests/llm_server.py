"""A scripted chat-completions server for the model reader's tests: a real HTTP server on 127.0.0.1.

It speaks the part of the OpenAI protocol the product uses (``POST /v1/chat/completions``, streamed as
server-sent events or as one JSON reply) and answers every request with the :class:`Script` the test
set: a completion, a delay before it, an HTTP error status, or a malformed stream.  The requests it
received are kept, so a test can read the prompt the product sent.  The one place in the project
that writes the protocol by hand: the product itself only uses the official client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PIECE = 3  # characters per streamed chunk: a claim arrives over several chunks, as from a real model


@dataclass
class Script:
    """What the server answers next: ``content`` after ``delay`` seconds, or ``status``, or a broken stream.

    ``content`` may be a function of the request body (e.g. a reply made from the prompt's passages).
    """

    content: str | Callable[[dict], str] = ""
    delay: float = 0.0
    status: int = 200
    malformed: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures, not requests
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        script = self.server.script
        self.server.requests.append(body)
        content = script.content(body) if callable(script.content) else script.content
        if script.delay:
            self.server.stopping.wait(script.delay)  # the deliberate slow reply (ends early when the server stops)
        if script.status != 200:
            self._send(script.status, {"error": {"message": "scripted failure", "type": "server_error", "code": None}})
        elif body.get("stream"):
            self._stream(body.get("model", ""), content, script.malformed)
        else:
            message = {"role": "assistant", "content": content}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            self._send(200, {**_envelope("chat.completion", body.get("model", "")), "choices": [choice]})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, content: str, malformed: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [content[i : i + _PIECE] for i in range(0, len(content), _PIECE)]
        for i, piece in enumerate(pieces):
            delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
            chunk = {**_envelope("chat.completion.chunk", model), "choices": [{"index": 0, "delta": delta}]}
            self._event(json.dumps(chunk, ensure_ascii=False))
            if malformed and i == 0:
                self._event('{"choices": [{"delta": {"content": "')  # cut off mid-object
        done = {
            **_envelope("chat.completion.chunk", model),
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
        self._event(json.dumps(done))
        self._event("[DONE]")

    def _event(self, data: str) -> None:
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()


def _envelope(kind: str, model: str) -> dict:
    return {"id": "scripted", "object": kind, "created": 0, "model": model}


class ScriptedServer(ThreadingHTTPServer):
    """``with ScriptedServer() as server``: serving on a free port; ``server.url`` is the base URL (…/v1)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = Script()
        self.requests: list[dict] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about a client that hung up (the reader abandoning a slow or broken reply is the point)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()

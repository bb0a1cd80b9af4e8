"""Many users at once: concurrent gradio_client sessions asking questions of a running app.

    python -m bench.load --url http://127.0.0.1:7860 --users 64 --questions 5 [--endpoint chat|ask]
                         [--server-pid PID]

prints one JSON object: how many questions were asked and answered, errors,
throughput (questions/s), latency percentiles (seconds, submit to finished
answer) and, with ``--server-pid`` (the app's process), the server's CPU
seconds during the run and per answered question, read from ``/proc``.  Every user is its own gradio_client session (its own conversation);
all users start together and each asks its questions one after another, as
people in a chat do.  The run is bounded: ``users * questions`` questions and
``--timeout`` seconds overall, after which unanswered questions count as errors.
It only targets a server on this machine, so it cannot be aimed at someone
else's site by mistake.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from gradio_client import Client

from evaluation.metrics import percentile

DEFAULT_TESTSET = Path(__file__).resolve().parent.parent / "testsets" / "dev_qa.jsonl"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_ERROR_SAMPLES = 5


def load_questions(path: Path) -> list[str]:
    """The questions of a JSON-lines test set (one object with a "question" per line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _answer_text(endpoint: str, result: object) -> str:
    """The answer text of one result, '' when there is none (which counts as an error)."""
    if endpoint == "ask":
        return result.get("answer", "") if isinstance(result, dict) else ""
    messages = result[1] if isinstance(result, tuple | list) and len(result) > 1 else []
    if not messages or messages[-1].get("role") != "assistant":
        return ""
    content = messages[-1]["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


class _User:
    """One simulated person: a session that asks its questions one after another until the deadline."""

    def __init__(self, url: str, endpoint: str, questions: list[str], deadline: float, start: threading.Barrier):
        self.url, self.endpoint, self.questions, self.deadline, self.start = url, endpoint, questions, deadline, start
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> _User:
        try:
            # gradio_client's own 5-20 s HTTP timeouts cut off a busy server's answers (64 users on 2 cores:
            # "ReadTimeout" for 179 of 320 questions); the run's deadline is the only bound wanted.
            wait = max(1.0, self.deadline - time.monotonic())
            client = Client(self.url, verbose=False, httpx_kwargs={"timeout": wait})
        except Exception as exc:  # a refused connection is a result of the test, not a crash of it
            self.errors += [f"connect: {type(exc).__name__}: {exc}"] * len(self.questions)
            self.start.abort()
            return self
        try:
            self.start.wait(timeout=max(0.0, self.deadline - time.monotonic()))
            for question in self.questions:
                self._ask(client, question)
        except threading.BrokenBarrierError:
            self.errors += ["not started: another user could not connect"] * len(self.questions)
        finally:
            client.close()
        return self

    def _ask(self, client: Client, question: str) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.errors.append("timeout: the run's time limit passed before this question")
            return
        args = (question,) if self.endpoint == "ask" else (question, [], "", "")
        t0 = time.perf_counter()
        try:
            result = client.submit(*args, api_name=f"/{self.endpoint}").result(timeout=remaining)
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        if _answer_text(self.endpoint, result):
            self.latencies.append(time.perf_counter() - t0)
        else:
            self.errors.append(f"empty answer to {question!r}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its waited-for children so far (Linux ``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


def run(
    url: str,
    users: int = 64,
    questions: int = 5,
    endpoint: str = "chat",
    timeout: float = 300.0,
    testset: Path = DEFAULT_TESTSET,
    server_pid: int | None = None,
) -> dict:
    """Run the load test against ``url`` (a server on this machine) and return its figures."""
    host = urlsplit(url).hostname
    if host not in LOCAL_HOSTS:
        raise ValueError(f"refusing to load-test {host!r}: only a server on this machine (127.0.0.1) is allowed")
    if endpoint not in {"chat", "ask"}:
        raise ValueError(f"unknown endpoint {endpoint!r}: use chat or ask")
    pool = load_questions(testset)
    deadline = time.monotonic() + timeout
    start = threading.Barrier(users)
    people = [
        _User(url, endpoint, [pool[(u * questions + i) % len(pool)] for i in range(questions)], deadline, start)
        for u in range(users)
    ]
    cpu0 = cpu_seconds(server_pid) if server_pid else None
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=users) as executor:
        done = list(executor.map(_User.run, people))
    wall = time.perf_counter() - t0
    server_cpu = cpu_seconds(server_pid) - cpu0 if server_pid and cpu0 is not None else None
    latencies = [t for p in done for t in p.latencies]
    errors = [e for p in done for e in p.errors]
    return {
        "url": url,
        "endpoint": f"/{endpoint}",
        "users": users,
        "questions_per_user": questions,
        "asked": users * questions,
        "answered": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:MAX_ERROR_SAMPLES],
        "wall_s": round(wall, 2),
        "throughput_qps": round(len(latencies) / wall, 2) if wall else None,
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 2),
        "cpu_s_per_question": round(server_cpu / len(latencies), 3) if server_cpu is not None and latencies else None,
        "latency_s": {
            name: None if value is None else round(value, 3)
            for name, value in (
                ("p50", percentile(latencies, 50)),
                ("p95", percentile(latencies, 95)),
                ("max", max(latencies, default=None)),
            )
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="the running app (this machine only)")
    parser.add_argument("--users", type=int, default=64, help="concurrent sessions")
    parser.add_argument("--questions", type=int, default=5, help="questions per user, asked one after another")
    parser.add_argument("--endpoint", choices=["chat", "ask"], default="chat", help="streamed chat or plain /ask")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run")
    parser.add_argument("--testset", type=Path, default=DEFAULT_TESTSET, help="JSON lines with a question each")
    parser.add_argument("--server-pid", type=int, help="the app's process id, to report its CPU seconds per question")
    args = parser.parse_args(argv)
    try:
        result = run(args.url, args.users, args.questions, args.endpoint, args.timeout, args.testset, args.server_pid)
    except ValueError as exc:
        parser.error(str(exc))
    print(json.dumps(result, ensure_ascii=False))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The 👍/👎 feedback log (and the admin audit log): append-only JSON lines, one record per event.

Several server threads (and possibly several processes) vote at once, so a
record is written as one ``write()`` of one whole line to a file opened with
``O_APPEND``, under a thread lock and an exclusive ``flock``: lines never
interleave and an earlier vote is never rewritten.  A changed mind is a new
line (the last vote per ``answer_id`` counts), which keeps the history honest.
A writer killed mid-line (``kill -9``, a full disk) leaves a torn last line:
the next record starts on a fresh line, and readers skip the torn one, so one
crash costs at most its own record.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

VOTES = {True: "up", False: "down"}
_LOCK = threading.Lock()


def vote_name(liked: bool | str) -> str:
    """Gradio's like value as a vote: True -> 'up', False -> 'down', anything else (undone) -> 'cleared'."""
    return VOTES.get(liked, "cleared") if isinstance(liked, bool) else "cleared"


def feedback_record(turn: dict, vote: str) -> dict:
    """A log record of one vote on one answer (``turn`` as kept by the chat, see ``web.render.turn_record``)."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "vote": vote,
        "answer_id": turn["id"],
        "question": turn["question"],
        "rewritten": turn["rewritten"],
        "answer": turn["answer"],
        "abstained": turn["abstained"],
        "citations": turn["citations"],
    }


def comment_record(turn: dict, comment: str) -> dict:
    """A log record of the optional comment a reader adds after voting (same answer_id as the vote)."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "vote": "comment",
        "comment": comment,
        "answer_id": turn["id"],
        "question": turn["question"],
    }


class AppendOnlyLog:
    """A JSON-lines file that only ever grows: the feedback log and the admin audit log."""

    def __init__(self, path: Path):
        self.path = path

    def append(self, record: dict) -> None:
        """Append one record as one line; safe against concurrent writers."""
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                end = os.fstat(fd).st_size
                if end and os.pread(fd, 1, end - 1) != b"\n":
                    line = b"\n" + line  # after a torn line
                view = memoryview(line)
                while view:  # a short write (disk nearly full) continues, still under the lock
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)

    def read(self) -> list[dict]:
        """All whole records, oldest first ([] before the first vote); a torn line is skipped."""
        if not self.path.exists():
            return []
        records = []
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a record whose writer was killed mid-line (blank lines land here too)
        return records

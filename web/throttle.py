"""The admin token: constant-time comparison, a minimum length, and throttling of wrong guesses per client.

A token can only be guessed by trying, so each client (its address as the
server sees it) gets ``MAX_FAILURES`` wrong tokens within ``WINDOW_S``; after
that every admin attempt from it is refused for ``LOCKOUT_S``, whatever token
it carries (the right one too: otherwise a guesser would learn when it hit).
An empty token is not a guess and is not counted.  Behind a reverse proxy all
clients share the proxy's address, so a guesser there locks out everyone
for a while: the safe side of the trade.

With ``MIN_TOKEN_CHARS`` = 12 characters of letters and digits (~71 bits) and
5 guesses per 10 minutes per address, finding a token would take longer than
any deployment lives, even from thousands of addresses.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Callable

MIN_TOKEN_CHARS = 12  # ~71 bits of letters and digits: out of reach at the rate below
MAX_FAILURES = 5  # wrong tokens a person mistyping needs at most; a guesser needs millions
WINDOW_S = 600.0  # the failures counted are those of the last 10 minutes
LOCKOUT_S = 900.0  # then 15 minutes of refusals: 20 guesses an hour per address at most


def token_matches(configured: str, given: str) -> bool:
    """Constant-time comparison; "surrogatepass" keeps a broken token from a hostile client a mismatch, not a crash."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), configured.encode("utf-8", "surrogatepass"))


def token_problem(token: str) -> str | None:
    """Why this configured token cannot open the admin side (too short), or None (also None when unset)."""
    if token and len(token) < MIN_TOKEN_CHARS:
        return (
            f"管理员口令过短（{len(token)} 个字符，至少 {MIN_TOKEN_CHARS} 个），文档管理已停用；"
            "请在环境变量 XQA_ADMIN_TOKEN 中设置更长的口令后重启。"
        )
    return None


class AdminGate:
    """Decides every admin attempt: throttled clients first, then the token check ``refuse(given)``.

    ``refuse`` returns why a token is refused (or None); a refusal of a non-empty token counts as a
    wrong guess.  ``clock`` is injectable so the lockout's end can be tested without waiting 15 minutes.
    """

    def __init__(
        self,
        refuse: Callable[[str | None], str | None],
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lockout_s: float = LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.refuse, self.max_failures, self.window_s, self.lockout_s = refuse, max_failures, window_s, lockout_s
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, client: str, given: str | None) -> tuple[str | None, str]:
        """``(refusal or None, outcome)``; outcome is "throttled", "refused" or "allowed" (for the audit log)."""
        with self._lock:
            now = self.clock()
            if (wait := self._locked_until.get(client, 0.0) - now) > 0:
                return _throttled(wait), "throttled"
            refusal = self.refuse(given)
            if refusal is None:
                self._failures.pop(client, None)
                return None, "allowed"
            if given:
                recent = [t for t in self._failures.get(client, []) if now - t < self.window_s] + [now]
                self._failures[client] = recent
                if len(recent) >= self.max_failures:
                    self._locked_until[client] = now + self.lockout_s
                    self._failures.pop(client)
                    return refusal + _throttled(self.lockout_s), "refused"
            return refusal, "refused"


def _throttled(wait_s: float) -> str:
    minutes = max(1, math.ceil(wait_s / 60))
    return f"错误口令尝试次数过多，来自此地址的管理操作已暂停，请约 {minutes} 分钟后再试。"

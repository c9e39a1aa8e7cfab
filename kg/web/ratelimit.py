"""Per-token write rate limits: a token bucket for each token name.

Each worker process keeps its own buckets, so with N workers a token may write up to N times
the configured rate; the limit is there to stop a runaway client, not to meter fair use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class WriteLimiter:
    per_minute: float  # 0 turns the limit off
    burst: int = 10
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # name: (tokens, at)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, name: str) -> float:
        """0 if ``name`` may write now (and takes one write); else the seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60
        with self._lock:
            now = time.monotonic()
            tokens, at = self._buckets.get(name, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * rate)
            if tokens < 1:
                self._buckets[name] = (tokens, now)
                return (1 - tokens) / rate
            self._buckets[name] = (tokens - 1, now)
            return 0.0

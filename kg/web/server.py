"""`kg serve`: the application under Granian, a WSGI server with its HTTP in Rust.

Chosen by measurement (bench/wsgi.py): on this project's hot paths — a kept page, a kept
SPARQL answer — Granian answers three to four times as many requests a second as gunicorn's
threaded workers on the same two cores, because parsing, keep-alive and writing stay out of
Python. Flask stays the framework; `server.py` still runs under any WSGI server.

Granian's worker processes are forked before any of them touches the store, and each opens
it itself (read-only snapshots for queries, a locked writer for writes). A query the store
cannot stop (one evaluating in this process, which only the in-memory store does) is a
runaway: the worker asks the server to replace its workers gracefully (SIGHUP), their
requests finish, and the runaway ends with the old process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from multiprocessing import get_context

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from kg.config import Settings
from kg.service.loading import ensure_loaded
from kg.store.factory import open_store
from kg.web import AppConfig, create_app

# a SPARQL query sent by GET is in the request line: room for 8 KB of it, as gunicorn had
REQUEST_HEAD_BYTES = 64 * 1024


def prepare_store(settings: Settings, *, datasets: bool = True) -> bool:
    """Loads the bundled graph into an empty store; True if it did.

    Run in a child process: the server must not touch the store before it forks.
    """
    with get_context("spawn").Pool(1) as pool:
        return pool.apply(_ensure_loaded, (settings, datasets))


def _ensure_loaded(settings: Settings, datasets: bool) -> bool:
    return ensure_loaded(open_store(settings), settings.namespaces, datasets=datasets)


def restart_workers() -> None:
    """Ask Granian to replace its workers once their requests are answered (SIGHUP is its
    graceful reload)."""
    os.kill(os.getppid(), signal.SIGHUP)


class Server:
    """The application served on ``host:port`` by ``workers`` processes of ``threads``."""

    def __init__(
        self, settings: Settings, *, host: str, port: int, workers: int, threads: int
    ) -> None:
        self.settings = settings
        held = settings.long_query_after or settings.query_timeout  # a slot, by one query
        self.granian = Granian(
            "policykg",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            backpressure=threads,  # more requests wait in the server, not in Python
            http1_settings=HTTP1Settings(max_buffer_size=REQUEST_HEAD_BYTES),
            websockets=False,
            # a worker replaced lets its requests finish, those waiting for a query slot
            # included (each holds one for its time, or until long)
            workers_kill_timeout=max(
                30, int(settings.query_timeout + threads / settings.slots * held) + 5
            ),
            respawn_failed_workers=True,
            # a worker past its share of memory is replaced gracefully (looked at each second)
            workers_max_rss=settings.worker_memory_limit(workers) or None,
            rss_sample_interval=1,
            log_level=LogLevels.warning,
            log_access=False,  # kg.access writes its own (see kg.web.operations)
        )

    def run(self) -> None:
        self.granian.serve(target_loader=self._load, wrap_loader=False)

    def _load(self):
        # runs in each worker, after the fork: every worker opens the store itself
        access = logging.getLogger("kg.access")
        if not access.handlers:  # one JSON line per request on standard output
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(message)s"))
            access.addHandler(handler)
            access.setLevel(logging.INFO)
            access.propagate = False
        return create_app(
            AppConfig(
                self.settings, open_store(self.settings), on_runaway=restart_workers, warm=True
            )
        )

"""`kg serve`: the application under gunicorn, a production WSGI server.

gunicorn's worker processes each open the shared embedded store (read-only snapshots for
queries, a locked writer for writes). When a query outlives its timeout while still
evaluating, the worker answers 503 and then restarts itself gracefully: its other requests
finish, gunicorn starts a fresh worker, and the runaway evaluation ends with the old process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from multiprocessing import get_context

from gunicorn.app.base import BaseApplication

from kg.config import Settings
from kg.service.loading import ensure_loaded
from kg.store.factory import open_store
from kg.web import AppConfig, create_app


def prepare_store(settings: Settings, *, datasets: bool = True) -> bool:
    """Loads the bundled graph into an empty store; True if it did.

    Run in a child process: the server's master must not touch the store before it forks.
    """
    with get_context("spawn").Pool(1) as pool:
        return pool.apply(_ensure_loaded, (settings, datasets))


def _ensure_loaded(settings: Settings, datasets: bool) -> bool:
    return ensure_loaded(open_store(settings), settings.namespaces, datasets=datasets)


def restart_this_worker() -> None:
    """Ask gunicorn to replace this worker once its requests are answered (SIGTERM is its
    graceful stop; the master then starts a new worker)."""
    os.kill(os.getpid(), signal.SIGTERM)


def _leave_now(_server, _worker) -> None:
    os._exit(0)


class Server(BaseApplication):
    def __init__(
        self, settings: Settings, *, host: str, port: int, workers: int, threads: int
    ) -> None:
        self.settings = settings
        held = settings.long_query_after or settings.query_timeout  # a slot, by one query
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            # a worker restarting after a runaway query lets its other requests finish, those
            # waiting for a query slot included (each holds one for its time, or until long)
            "graceful_timeout": max(
                30, int(settings.query_timeout + threads / settings.slots * held) + 5
            ),
            "timeout": max(60, int(settings.query_timeout) * 2),
            "keepalive": 5,
            # a SPARQL query sent by GET is in the request line: allow the most gunicorn does
            "limit_request_line": 8190,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            # leave without Python's finalization: a runaway query's thread may still be
            # inside pyoxigraph, and tearing the interpreter down under it can crash
            "worker_exit": _leave_now,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # one JSON line per request on standard output (see kg.web.operations)
        access = logging.getLogger("kg.access")
        if not access.handlers:
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(message)s"))
            access.addHandler(handler)
            access.setLevel(logging.INFO)
            access.propagate = False
        # runs in each worker, after the fork: every worker opens the store itself
        return create_app(
            AppConfig(
                self.settings,
                open_store(self.settings),
                on_runaway=restart_this_worker,
                warm=True,
            )
        )

"""Settings, read from the environment (``KG_*``) and overridden by command-line options."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, replace
from pathlib import Path

from kg.namespaces import DEFAULT_BASE, Namespaces

DEFAULT_STORE = Path(".policykg/store")


@dataclass(frozen=True)
class Settings:
    store_path: Path = DEFAULT_STORE
    base: str = DEFAULT_BASE
    query_timeout: float = 30.0
    allowed_services: frozenset[str] = frozenset()
    tokens: str = ""  # name:token,name:token
    tokens_file: Path | None = None
    max_body: int = 10 * 1024 * 1024
    write_rate: float = 60.0  # writes per minute per token, after a burst of 10; 0: no limit
    max_result_bytes: int = 1024**3  # a query's serialized results; 0: no limit
    query_slots: int = 0  # queries evaluating at once, per worker; 0: one per core
    long_query_after: float = 1.0  # seconds a query holds its slot; 0: to its end
    query_memory: int = 2048  # MB one query may take (embedded store); 0: no limit
    page_cache: int = 64  # MB of rendered pages each worker keeps; 0: none
    query_memory_total: int = -1  # MB all queries together may take; -1: half the machine's
    worker_memory: int = -1  # MB a worker may hold before it is replaced; -1: a share; 0: any
    client_long_queries: int = 2  # long queries one client may run at once; 0: no limit
    trusted_proxies: tuple[str, ...] = ()  # whose X-Forwarded-For names the client
    backend: str = "embedded"  # or "sparql": a remote SPARQL 1.1 server
    query_url: str | None = None
    update_url: str | None = None
    gsp_url: str | None = None
    remote_auth: str | None = None  # basic:USER:PASSWORD or bearer:TOKEN

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            store_path=Path(env.get("KG_STORE", str(DEFAULT_STORE))),
            base=env.get("KG_BASE", DEFAULT_BASE),
            query_timeout=_number(env, "KG_QUERY_TIMEOUT", "30", float),
            allowed_services=frozenset(
                iri.strip() for iri in env.get("KG_ALLOW_SERVICE", "").split(",") if iri.strip()
            ),
            tokens=env.get("KG_TOKENS", ""),
            tokens_file=Path(env["KG_TOKENS_FILE"]) if env.get("KG_TOKENS_FILE") else None,
            max_body=_number(env, "KG_MAX_BODY", str(10 * 1024 * 1024), int),
            write_rate=_number(env, "KG_WRITE_RATE", "60", float),
            max_result_bytes=_number(env, "KG_MAX_RESULT_BYTES", str(1024**3), int),
            query_slots=_number(env, "KG_QUERY_SLOTS", "0", int),
            long_query_after=_number(env, "KG_LONG_QUERY_AFTER", "1", float),
            query_memory=_number(env, "KG_QUERY_MEMORY", "2048", int),
            page_cache=_number(env, "KG_PAGE_CACHE", "64", int),
            query_memory_total=_number(env, "KG_QUERY_MEMORY_TOTAL", "-1", int),
            worker_memory=_number(env, "KG_WORKER_MEMORY", "-1", int),
            client_long_queries=_number(env, "KG_CLIENT_LONG_QUERIES", "2", int),
            trusted_proxies=_networks(env.get("KG_TRUSTED_PROXIES", "")),
            backend=env.get("KG_BACKEND", "embedded"),
            query_url=env.get("KG_QUERY_URL") or None,
            update_url=env.get("KG_UPDATE_URL") or None,
            gsp_url=env.get("KG_GSP_URL") or None,
            remote_auth=env.get("KG_REMOTE_AUTH") or None,
        )

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with every override that is not None applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def slots(self) -> int:
        """Queries evaluating at once in each worker."""
        return self.query_slots or os.cpu_count() or 1

    @property
    def query_memory_budget(self) -> int:
        """Bytes all queries of the server together may take (0: no limit)."""
        if self.query_memory_total >= 0:
            return self.query_memory_total * 2**20
        return _machine_memory() // 2

    def worker_memory_limit(self, workers: int) -> int:
        """Megabytes a worker may hold before it is replaced (0: no limit): unless set, half of
        what the queries' budget leaves of the machine, shared among the workers, so that the
        budget and the workers together stay within the machine."""
        if self.worker_memory >= 0:
            return self.worker_memory
        left = max(_machine_memory() - self.query_memory_budget, _machine_memory() // 4)
        return left // (2 * max(workers, 1)) // 2**20

    @property
    def running_path(self) -> Path:
        """Where the server's processes record their running queries (kg.store.running)."""
        return self.store_path / "policykg.running"

    @property
    def proposals_path(self) -> Path:
        """The proposals waiting for an editor: a file beside the store (kg.store.proposals)."""
        return self.store_path.with_name(self.store_path.name + ".proposals.sqlite")

    @property
    def namespaces(self) -> Namespaces:
        return Namespaces(self.base)


def _number(env, name: str, default: str, kind: type[int] | type[float]) -> int | float:
    """A numeric setting; ValueError naming the variable when it is not a number."""
    value = env.get(name, default)
    try:
        return kind(value)
    except ValueError:
        raise ValueError(
            f"{name}: {value!r} is not {'an integer' if kind is int else 'a number'}"
        ) from None


def _machine_memory() -> int:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _networks(spec: str) -> tuple[str, ...]:
    """KG_TRUSTED_PROXIES: addresses or networks, comma-separated; ValueError naming a bad one."""
    parts = tuple(part.strip() for part in spec.split(",") if part.strip())
    for part in parts:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"KG_TRUSTED_PROXIES: {part!r} is not an address or network") from None
    return parts

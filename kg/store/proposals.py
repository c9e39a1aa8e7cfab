"""Proposals waiting for an editor, kept beside the quad store and out of the published graph.

A proposal's content is not in the quad store (so not in queries, dumps, pages or the union
default graph) until an editor admits it. The desk is a small SQLite file shared by every
worker and process of the machine; a proposal changes state only through ``move``, one
conditional update, so it is decided once however many editors press at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

PENDING, ADMITTING, ADMITTED, REFUSED, WITHDRAWN = (
    "pending",
    "admitting",  # an editor's admission is being validated and committed
    "admitted",
    "refused",
    "withdrawn",
)
_SCHEMA = """CREATE TABLE IF NOT EXISTS proposal (
    id TEXT PRIMARY KEY, proposer TEXT NOT NULL, created TEXT NOT NULL, source TEXT NOT NULL,
    content TEXT NOT NULL, triples INTEGER NOT NULL, content_hash TEXT NOT NULL,
    warnings TEXT NOT NULL, status TEXT NOT NULL, decided_by TEXT, decided_at TEXT,
    reason TEXT, contribution TEXT)"""
_COLUMNS = (
    "id, proposer, created, source, content, triples, content_hash, warnings, status, "
    "decided_by, decided_at, reason, contribution"
)


class DuplicateProposalError(Exception):
    """A proposal with this id is on the desk already."""


@dataclass(frozen=True)
class ProposalRecord:
    id: str
    proposer: str
    created: str
    source: str
    content: str  # N-Triples
    triples: int
    content_hash: str
    warnings: tuple[dict, ...] = ()
    status: str = PENDING
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    contribution: str | None = None

    def but(self, **changes: object) -> ProposalRecord:
        return replace(self, **changes)


class ProposalDesk:
    """The proposals of one store: in ``path`` (SQLite), or in memory when path is None."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # one connection per desk, shared by the worker's threads under a lock; SQLite's own
        # locking orders the writes of other processes (timeout: how long to wait for them)
        self._connection = sqlite3.connect(
            ":memory:" if path is None else str(path),
            timeout=30,
            check_same_thread=False,
            isolation_level=None,
        )
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute(_SCHEMA)

    def add(self, record: ProposalRecord) -> None:
        row = asdict(record) | {"warnings": json.dumps(list(record.warnings))}
        try:
            with self._lock:
                self._connection.execute(
                    f"INSERT INTO proposal ({_COLUMNS}) VALUES "
                    "(:id, :proposer, :created, :source, :content, :triples, :content_hash, "
                    ":warnings, :status, :decided_by, :decided_at, :reason, :contribution)",
                    row,
                )
        except sqlite3.IntegrityError:
            raise DuplicateProposalError(record.id) from None

    def get(self, identifier: str) -> ProposalRecord | None:
        found = self._select("WHERE id = ?", (identifier,))
        return found[0] if found else None

    def listing(
        self,
        *,
        proposer: str | None = None,
        statuses: tuple[str, ...] = (),
        oldest_first: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ProposalRecord]:
        clauses, parameters = [], []
        if proposer is not None:
            clauses.append("proposer = ?")
            parameters.append(proposer)
        if statuses:
            clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
            parameters += statuses
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = "ASC" if oldest_first else "DESC"
        return self._select(
            f"{where} ORDER BY created {order}, id {order} LIMIT ? OFFSET ?",
            (*parameters, limit, min(offset, 2**62)),  # past the end: nothing, not an overflow
        )

    def move(self, identifier: str, from_status: str, to_status: str, **fields: object) -> bool:
        """Moves the proposal to ``to_status`` (setting ``fields``) if it is in ``from_status``;
        False if it is not (someone decided it first)."""
        assignments = ", ".join(f"{name} = :{name}" for name in ("status", *fields))
        with self._lock:
            moved = self._connection.execute(
                f"UPDATE proposal SET {assignments} WHERE id = :id AND status = :from_status",
                {**fields, "status": to_status, "id": identifier, "from_status": from_status},
            )
        return moved.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def _select(self, tail: str, parameters: tuple) -> list[ProposalRecord]:
        with self._lock:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM proposal {tail}", parameters
            ).fetchall()
        names = _COLUMNS.split(", ")
        records = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            values["warnings"] = tuple(json.loads(values["warnings"]))
            records.append(ProposalRecord(**values))
        return records

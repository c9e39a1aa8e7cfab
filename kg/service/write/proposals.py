"""Proposals: a contributor's facts, validated on entry and held out of the published graph
until an editor admits them (then they are a contribution like any other) or refuses them.

A proposal waits on the desk (kg.store.proposals), not in the store. Admitting it validates it
again against the graph as it is then and commits it through the same path as an editor's
contribution, with its record in the metadata graph in the same update: the proposal (who
proposed it, when, from which source, its hash), the admission (who, when) and the contribution
it generated. A refusal records the proposal, who refused it, when and why — never its content.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyoxigraph as ox
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import RDFS, VOID, XSD

from kg.namespaces import Namespaces
from kg.service.write.contributions import (
    PROV,
    Outcome,
    RefusedError,
    contribute,
    contributor_iri,
    ntriples,
    parse_payload,
)
from kg.service.write.gate import Triple, validate_change
from kg.service.write.words import in_words
from kg.store import Store
from kg.store.proposals import (
    ADMITTED,
    ADMITTING,
    PENDING,
    REFUSED,
    WITHDRAWN,
    DuplicateProposalError,
    ProposalDesk,
    ProposalRecord,
)

PER_PAGE = 50
MAX_REASON = 2000  # characters
# An admission that has neither committed nor given up by then was cut short (its process
# ended): the proposal is pending again.
STALE_ADMISSION = timedelta(minutes=5)


class ProposalError(ValueError):
    """No such proposal."""


class DecidedError(Exception):
    """The proposal was decided (or withdrawn) already; carries its state."""


class NotYoursError(Exception):
    """Only its proposer may withdraw a proposal."""


class ReasonError(ValueError):
    """A refusal without a usable reason."""


@dataclass(frozen=True)
class Proposal:
    record: ProposalRecord
    facts: list[str]  # what it would add, in words

    def summary(self) -> dict:
        r = self.record
        return {
            "id": r.id,
            "status": r.status,
            "proposer": r.proposer,
            "created": r.created,
            "source": r.source,
            "triples": r.triples,
            "contentHash": r.content_hash,
            "warnings": list(r.warnings),
            "decidedBy": r.decided_by,
            "decided": r.decided_at if r.status not in (PENDING, ADMITTING) else None,
            "reason": r.reason,
            "contribution": r.contribution,
            "facts": self.facts,
            "adds": r.content,
            "removes": "",  # a proposal only adds: an amendment records what it withdraws
        }


def propose(
    store: Store,
    desk: ProposalDesk,
    ns: Namespaces,
    triples: list[Triple],
    *,
    proposer: str,
    source: str | None = None,
) -> Proposal:
    """Validates the facts as a contribution would be (RefusedError, ContributionError,
    AlreadyContributedError) and, if they would be admitted, puts them on the desk."""
    checked = contribute(store, ns, triples, contributor=proposer, source=source, dry_run=True)
    digest = checked.content_hash.removeprefix("sha256:")
    record = ProposalRecord(
        id=hashlib.sha256(f"{proposer}\n{digest}".encode()).hexdigest()[:16],
        proposer=proposer,
        created=_now(),
        source=checked.source,
        content="".join(sorted(ntriples(triples).splitlines(keepends=True))),
        triples=len(triples),
        content_hash=checked.content_hash,
        warnings=tuple(checked.summary()["warnings"]),
    )
    try:
        desk.add(record)
    except DuplicateProposalError:
        raise DecidedError(f"{proposer} proposed the same content before, as {record.id}") from None
    return Proposal(record, in_words(store, ns, triples))


def proposals(
    store: Store,
    desk: ProposalDesk,
    ns: Namespaces,
    *,
    proposer: str | None = None,
    pending_only: bool = False,
    oldest_first: bool = False,
    page: int = 1,
) -> dict:
    """A page of proposals (only ``proposer``'s, if given), newest first unless asked."""
    records = desk.listing(
        proposer=proposer,
        statuses=(PENDING, ADMITTING) if pending_only else (),
        oldest_first=oldest_first,
        limit=PER_PAGE + 1,
        offset=(max(1, page) - 1) * PER_PAGE,
    )
    items = [_described(store, desk, ns, r).summary() for r in records[:PER_PAGE]]
    return {"page": page, "items": items, "next": page + 1 if len(records) > PER_PAGE else None}


def proposal(store: Store, desk: ProposalDesk, ns: Namespaces, identifier: str) -> Proposal:
    record = desk.get(identifier) if identifier.isalnum() else None
    if record is None:
        raise ProposalError(f"no proposal {identifier!r}")
    return _described(store, desk, ns, record)


def admit(
    store: Store, desk: ProposalDesk, ns: Namespaces, identifier: str, *, editor: str
) -> Outcome:
    """Validates the proposal against the graph as it is now and commits it whole as a
    contribution with the record of its admission; RefusedError leaves it pending."""
    record = proposal(store, desk, ns, identifier).record
    when = _now()
    if not desk.move(identifier, PENDING, ADMITTING, decided_by=editor, decided_at=when):
        raise DecidedError(_decided(desk, identifier))
    try:
        outcome = contribute(
            store,
            ns,
            triples_of(record, ns),
            contributor=record.proposer,
            source=record.source,
            provenance=lambda graph: _admission(ns, record, editor, when, graph),
        )
    except Exception:  # refused, already in the graph, or the store failed: still pending
        desk.move(identifier, ADMITTING, PENDING, decided_by=None, decided_at=None)
        raise
    desk.move(identifier, ADMITTING, ADMITTED, contribution=outcome.id)
    return outcome


def refuse(
    store: Store, desk: ProposalDesk, ns: Namespaces, identifier: str, *, editor: str, reason: str
) -> Proposal:
    """Records the refusal (who, when, why) in the metadata graph; the content stays out."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonError("a refusal gives its reason (reason=…)")
    if len(reason) > MAX_REASON:
        raise ReasonError(f"a reason is at most {MAX_REASON} characters")
    record = proposal(store, desk, ns, identifier).record
    when = _now()
    if not desk.move(
        identifier, PENDING, REFUSED, decided_by=editor, decided_at=when, reason=reason
    ):
        raise DecidedError(_decided(desk, identifier))
    try:
        facts = _refusal(ns, record, editor, when, reason)
        report = validate_change(store, ns, facts)
        if not report.conforms:
            raise RefusedError(report, "the refusal's record breaks the shapes")
        store.update(f"INSERT DATA {{ GRAPH <{ns.meta_graph}> {{ {ntriples(facts)} }} }}")
    except Exception:
        desk.move(identifier, REFUSED, PENDING, decided_by=None, decided_at=None, reason=None)
        raise
    return proposal(store, desk, ns, identifier)


def withdraw_proposal(
    store: Store, desk: ProposalDesk, ns: Namespaces, identifier: str, *, proposer: str
) -> Proposal:
    """Its proposer takes back a pending proposal; it was never published, so nothing is."""
    record = proposal(store, desk, ns, identifier).record
    if record.proposer != proposer:
        raise NotYoursError(f"proposal {identifier} is {record.proposer}'s to withdraw")
    if not desk.move(identifier, PENDING, WITHDRAWN, decided_by=proposer, decided_at=_now()):
        raise DecidedError(_decided(desk, identifier))
    return proposal(store, desk, ns, identifier)


def triples_of(record: ProposalRecord, ns: Namespaces) -> list[Triple]:
    return parse_payload(record.content.encode("utf-8"), ox.RdfFormat.N_TRIPLES, ns)


def proposal_iri(ns: Namespaces, identifier: str) -> URIRef:
    return URIRef(ns.iri(f"id/proposal/{identifier}"))


def _described(store: Store, desk: ProposalDesk, ns: Namespaces, record: ProposalRecord):
    record = _settled(store, desk, ns, record)
    return Proposal(record, in_words(store, ns, triples_of(record, ns)))


def _settled(
    store: Store, desk: ProposalDesk, ns: Namespaces, record: ProposalRecord
) -> ProposalRecord:
    """An admission cut short by its process's end: admitted if its commit landed, else
    pending again once it is stale."""
    if record.status != ADMITTING or not record.decided_at:
        return record
    admission = f"{proposal_iri(ns, record.id)}#admission"
    generated = f"<{admission}> <{PROV.generated}> ?c"
    rows = list(store.query(f"SELECT ?c WHERE {{ GRAPH <{ns.meta_graph}> {{ {generated} }} }}"))
    if rows:
        contribution = rows[0]["c"].value.rsplit("/", 1)[-1]
        desk.move(record.id, ADMITTING, ADMITTED, contribution=contribution)
        return record.but(status=ADMITTED, contribution=contribution)
    started = datetime.strptime(record.decided_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if datetime.now(UTC) - started > STALE_ADMISSION:
        desk.move(record.id, ADMITTING, PENDING, decided_by=None, decided_at=None)
        return record.but(status=PENDING, decided_by=None, decided_at=None)
    return record


def _decided(desk: ProposalDesk, identifier: str) -> str:
    record = desk.get(identifier)
    state = record.status if record else "gone"
    by = f" by {record.decided_by}" if record and record.decided_by else ""
    return f"proposal {identifier} is {state}{by}: it cannot be decided again"


def _proposal_record(ns: Namespaces, record: ProposalRecord) -> list[Triple]:
    node, proposer = proposal_iri(ns, record.id), contributor_iri(ns, record.proposer)
    return [
        (node, RDF.type, URIRef(ns.pkg + "Proposal")),
        (node, RDFS.label, Literal(f"Proposal {record.id}", lang="en")),
        (node, PROV.wasAttributedTo, proposer),
        (node, PROV.generatedAtTime, Literal(record.created, datatype=XSD.dateTime)),
        (node, PROV.wasDerivedFrom, URIRef(record.source)),
        (node, VOID.triples, Literal(record.triples, datatype=XSD.integer)),
        (node, URIRef(ns.pkg + "contentHash"), Literal(record.content_hash)),
        (proposer, RDF.type, URIRef(ns.pkg + "Contributor")),
        (proposer, RDFS.label, Literal(record.proposer)),
    ]


def _review(
    ns: Namespaces, record: ProposalRecord, editor: str, when: str, kind: str
) -> tuple[URIRef, list[Triple]]:
    node = URIRef(f"{proposal_iri(ns, record.id)}#{kind.lower()}")
    agent = contributor_iri(ns, editor)
    return node, [
        *_proposal_record(ns, record),
        (node, RDF.type, URIRef(ns.pkg + kind)),
        (node, RDFS.label, Literal(f"{kind} of proposal {record.id}", lang="en")),
        (node, PROV.used, proposal_iri(ns, record.id)),
        (node, PROV.wasAssociatedWith, agent),
        (node, PROV.atTime, Literal(when, datatype=XSD.dateTime)),
        (agent, RDF.type, URIRef(ns.pkg + "Contributor")),
        (agent, RDFS.label, Literal(editor)),
    ]


def _admission(
    ns: Namespaces, record: ProposalRecord, editor: str, when: str, graph: str
) -> list[Triple]:
    node, facts = _review(ns, record, editor, when, "Admission")
    return [
        *facts,
        (node, PROV.generated, URIRef(graph)),
        (URIRef(graph), PROV.wasGeneratedBy, node),
    ]


def _refusal(
    ns: Namespaces, record: ProposalRecord, editor: str, when: str, reason: str
) -> list[Triple]:
    node, facts = _review(ns, record, editor, when, "Refusal")
    return [*facts, (node, URIRef(ns.pkg + "reason"), Literal(reason))]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

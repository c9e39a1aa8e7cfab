"""Proposals over HTTP: GET /proposals[/{id}], POST /proposals/{id}/admit and /refuse,
DELETE /proposals/{id}, and the editors' page /review."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest, Forbidden

from kg.service.write.contributions import RefusedError
from kg.service.write.gate import Triple
from kg.service.write.proposals import (
    admit,
    proposal,
    proposals,
    propose,
    refuse,
    withdraw_proposal,
)
from kg.store import StoreConflictError
from kg.web import current
from kg.web.auth import Identity
from kg.web.negotiation import choose
from kg.web.writes import (
    authorize,
    authorize_editor,
    identity,
    json_response,
    page_number,
    refusal,
)

blueprint = Blueprint("proposals", __name__)
RAW_TYPES = ("application/n-triples", "text/turtle")


def proposed(triples: list[Triple], proposer: str) -> Response:
    """A contributor's POST /assertions: validated now, kept for an editor (202), or 422."""
    app = current()
    try:
        kept = propose(
            app.store,
            app.desk,
            app.settings.namespaces,
            triples,
            proposer=proposer,
            source=request.args.get("source") or None,
        )
    except RefusedError as refused:
        return refusal(refused.report, str(refused))
    return json_response(kept.summary(), 202, {"Location": f"/proposals/{kept.record.id}"})


@blueprint.get("/proposals")
def index() -> Response | str:
    """Editors see every proposal; a contributor their own; newest first (``order=oldest``
    for the queue), ``status=pending`` for those waiting."""
    reader = identity()
    app = current()
    page = page_number()
    status, order = request.args.get("status"), request.args.get("order", "newest")
    if status not in (None, "pending"):
        raise BadRequest(f"unknown status {status!r}: status=pending, or leave it out")
    if order not in ("newest", "oldest"):
        raise BadRequest(f"unknown order {order!r}: newest or oldest")
    listing = proposals(
        app.store,
        app.desk,
        app.settings.namespaces,
        proposer=None if reader.is_editor else reader.name,
        pending_only=status == "pending",
        oldest_first=order == "oldest",
        page=page,
    )
    if choose(["application/json", "text/html"]) == "text/html":
        return render_template("proposals.html", listing=listing, reader=reader)
    return json_response(listing, headers={"Vary": "Accept, Authorization"})


@blueprint.get("/proposals/<identifier>")
def show(identifier: str) -> Response | str:
    reader = identity()
    app = current()
    found = proposal(app.store, app.desk, app.settings.namespaces, identifier)
    _may_read(reader, found.record.proposer)
    media_type = choose(["application/json", "text/html", *RAW_TYPES])
    headers = {"Vary": "Accept, Authorization"}
    if media_type == "text/html":
        return render_template("proposal.html", proposal=found.summary())
    if media_type in RAW_TYPES:  # N-Triples is Turtle too
        return Response(found.record.content, content_type=media_type, headers=headers)
    return json_response(found.summary(), headers=headers)


@blueprint.route("/proposals/<identifier>/admit", methods=["OPTIONS"])
@blueprint.route("/proposals/<identifier>/refuse", methods=["OPTIONS"])
def decisions_allow(identifier: str) -> Response:
    """The decisions are POSTs only (the linked-data pages answer GET for every other path)."""
    return Response(status=204, headers={"Allow": "POST, OPTIONS"})


@blueprint.route("/proposals/<identifier>/admit", methods=["POST"], provide_automatic_options=False)
def admit_one(identifier: str) -> Response:
    editor = authorize_editor("admit a proposal")
    app, ns = current(), current().settings.namespaces
    try:
        outcome = admit(app.store, app.desk, ns, identifier, editor=editor.name)
    except RefusedError as refused:
        return refusal(refused.report, f"the graph has changed: {refused}; it stays pending")
    except StoreConflictError as error:
        return json_response({"error": str(error)}, 409)
    summary = outcome.summary() | {"proposal": identifier}
    return json_response(summary, 201, {"Location": f"/assertions/{outcome.id}"})


@blueprint.route(
    "/proposals/<identifier>/refuse", methods=["POST"], provide_automatic_options=False
)
def refuse_one(identifier: str) -> Response:
    editor = authorize_editor("refuse a proposal")
    app = current()
    body = request.get_json(silent=True) if request.is_json else None
    reason = (body or {}).get("reason") if isinstance(body, dict) else request.form.get("reason")
    if request.is_json and not isinstance(body, dict):
        raise BadRequest('send the reason as a JSON object: {"reason": "…"}')
    refused = refuse(
        app.store,
        app.desk,
        app.settings.namespaces,
        identifier,
        editor=editor.name,
        reason=reason if isinstance(reason, str) else "",
    )
    return json_response(refused.summary())


@blueprint.delete("/proposals/<identifier>")
def withdraw_one(identifier: str) -> Response:
    proposer = authorize()
    app = current()
    withdrawn = withdraw_proposal(
        app.store, app.desk, app.settings.namespaces, identifier, proposer=proposer.name
    )
    return json_response(withdrawn.summary())


@blueprint.get("/review")
def review() -> str:
    """The editors' queue, oldest first; the page asks for the token and reads /proposals."""
    return render_template("review.html")


def _may_read(reader: Identity, proposer: str) -> None:
    if not reader.is_editor and reader.name != proposer:
        raise Forbidden("a contributor reads only their own proposals")

"""Contributions over HTTP: POST /assertions, GET /assertions[/{id}], DELETE /assertions/{id}."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import Conflict, Gone, NotFound

from kg.formats import rdf_format_for_media_type
from kg.service.write.contributions import (
    AlreadyContributedError,
    ContributionError,
    RefusedError,
    WithdrawnError,
    contribute,
    contribution,
    contribution_document,
    contributions,
    withdraw,
)
from kg.store import StoreConflictError
from kg.web import current
from kg.web.negotiation import choose
from kg.web.proposals import proposed
from kg.web.writes import (
    authorize,
    authorize_editor,
    json_response,
    page_number,
    read_triples,
    refusal,
)

blueprint = Blueprint("assertions", __name__)

DATASET_TYPES = ["application/trig", "application/n-quads", "application/ld+json"]


@blueprint.post("/assertions")
def create() -> Response:
    """An editor's facts are admitted through the gate (201); a contributor's, once they
    pass it, wait for an editor as a proposal (202)."""
    writer = authorize()
    app = current()
    triples = read_triples()
    dry_run = request.args.get("dry-run", "").lower() in ("1", "true", "yes")
    if not writer.is_editor and not dry_run:
        return proposed(triples, writer.name)
    try:
        outcome = contribute(
            app.store,
            app.settings.namespaces,
            triples,
            contributor=writer.name,
            source=request.args.get("source") or None,
            dry_run=dry_run,
        )
    except RefusedError as refused:
        return refusal(refused.report, str(refused))
    except (AlreadyContributedError, StoreConflictError) as error:
        raise Conflict(str(error)) from None
    if dry_run:
        return json_response(outcome.summary())
    return json_response(outcome.summary(), 201, {"Location": f"/assertions/{outcome.id}"})


@blueprint.get("/assertions")
def index() -> Response | str:
    app = current()
    page = page_number()
    listing = contributions(app.store, app.settings.namespaces, page)
    if choose(["application/json", "text/html"]) == "text/html":
        return render_template("assertions.html", listing=listing)
    return json_response(listing)


@blueprint.get("/assertions/<identifier>")
def show(identifier: str) -> Response | str:
    app = current()
    ns = app.settings.namespaces
    try:
        entry = contribution(app.store, ns, identifier)
    except ContributionError as error:
        raise NotFound(str(error)) from None
    media_type = choose(["application/json", "text/html", *DATASET_TYPES])
    if media_type == "text/html":
        return render_template("assertion.html", entry=entry)
    if media_type == "application/json":
        return json_response(entry, headers={"Vary": "Accept"})
    fmt = rdf_format_for_media_type(media_type)
    body = contribution_document(app.store, ns, identifier, fmt)
    return Response(body, content_type=media_type, headers={"Vary": "Accept"})


@blueprint.delete("/assertions/<identifier>")
def remove(identifier: str) -> Response:
    contributor = authorize_editor("withdraw a published contribution").name
    app = current()
    try:
        return json_response(
            withdraw(app.store, app.settings.namespaces, identifier, contributor=contributor)
        )
    except RefusedError as refused:
        return refusal(refused.report, str(refused))
    except ContributionError as error:
        raise NotFound(str(error)) from None
    except WithdrawnError as error:
        raise Gone(str(error)) from None
    except StoreConflictError as error:
        raise Conflict(str(error)) from None

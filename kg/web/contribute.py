"""The contribution form at /contribute: a statement, or raw Turtle / JSON-LD."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.service.write.contributions import form_choices
from kg.web import current

blueprint = Blueprint("contribute", __name__)


@blueprint.get("/contribute")
def form() -> str:
    app = current()
    ns = app.settings.namespaces
    return render_template(
        "contribute.html",
        choices=form_choices(app.store, ns),
        config={"base": ns.base, "context": "/context.jsonld"},
    )

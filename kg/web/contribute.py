"""The contribution forms: /contribute (a statement, or raw Turtle / JSON-LD) and
/contribute/policy (a policy and its provisions, or an amendment)."""

from __future__ import annotations

from flask import Blueprint, render_template

from kg.service.write.forms import policy_choices, statement_choices
from kg.web import current

blueprint = Blueprint("contribute", __name__)


def _config() -> dict:
    return {"base": current().settings.namespaces.base, "context": "/context.jsonld"}


@blueprint.get("/contribute")
def form() -> str:
    app = current()
    choices = statement_choices(app.store, app.settings.namespaces)
    return render_template("contribute.html", choices=choices, config=_config())


@blueprint.get("/contribute/policy")
def policy_form() -> str:
    app = current()
    choices = policy_choices(app.store, app.settings.namespaces)
    config = _config() | {"policies": choices["policies"], "ice": choices["ice"]}
    return render_template("contribute_policy.html", choices=choices, config=config)

"""The browse pages: /agencies, /people, /policies, /statements, /sources."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.exceptions import BadRequest

from kg.service.publish.browse import SPECS, FilterError, listing
from kg.web import current
from kg.web.caching import cached_page

blueprint = Blueprint("browse", __name__)


@cached_page
def _page(name: str) -> str:
    app = current()
    try:
        page = int(request.args.get("page", "1"))
        shown = listing(
            app.store,
            app.settings.namespaces,
            name,
            state=request.args.get("state") or None,
            kind=request.args.get("type") or None,
            flag=request.args.get("with") or None,
            page=page,
        )
    except ValueError as error:  # FilterError, or a page that is not a number
        raise BadRequest(
            str(error) if isinstance(error, FilterError) else "page must be a number"
        ) from None
    return render_template("list.html", listing=shown, name=name)


for _name in SPECS:
    blueprint.add_url_rule(f"/{_name}", _name, lambda _name=_name: _page(_name))

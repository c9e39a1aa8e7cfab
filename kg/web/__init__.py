"""The web front end: a Flask application factory over the service layer.

The web layer speaks HTTP — routes, content negotiation, status codes, pages — and holds no
RDF logic: it asks ``kg.service`` for answers and streams them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import Flask

from kg.config import Settings
from kg.service.loading import ensure_loaded
from kg.service.query.runner import QueryRunner
from kg.service.search import SearchIndex
from kg.service.warm import keep_warm
from kg.store import Store
from kg.store.factory import open_desk, open_running, open_store
from kg.store.proposals import ProposalDesk

if TYPE_CHECKING:
    from kg.web.caching import PageCache
from kg.web.auth import Tokens
from kg.web.ratelimit import WriteLimiter


@dataclass
class AppConfig:
    """What the application is handed: its settings and its store."""

    settings: Settings
    store: Store
    # Called when a query outlives its timeout while still evaluating: pyoxigraph cannot stop
    # it, so `kg serve` restarts the worker process (see kg.web.server).
    on_runaway: Callable[[], None] = field(default=lambda: None)
    # Compute each generation's search index, list catalogues and front page in the
    # background (kg.service.warm), as `kg serve` does, rather than for the first reader.
    warm: bool = False


def create_app(config: AppConfig | None = None) -> Flask:
    """The PolicyKG application; without a config, one read from the environment."""
    # here: they read the application through this module
    from kg.web.caching import FrontCache, PageCache
    from kg.web.query_lane import QueryLane, reraise

    if config is None:
        settings = Settings.from_env()
        config = AppConfig(settings, open_store(settings))
        ensure_loaded(config.store, settings.namespaces)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.settings.max_body
    app.extensions["policykg"] = Context(
        settings=config.settings,
        store=config.store,
        runner=QueryRunner(
            config.store,
            timeout=config.settings.query_timeout,
            allowed_services=config.settings.allowed_services,
            on_runaway=config.on_runaway,
            max_bytes=config.settings.max_result_bytes,
            slots=config.settings.slots,
            long_after=config.settings.long_query_after,
            client_long=config.settings.client_long_queries,
            running=open_running(config.settings, config.store),
        ),
        tokens=Tokens.load(config.settings.tokens, config.settings.tokens_file),
        write_limiter=WriteLimiter(config.settings.write_rate),
        search=SearchIndex(config.store, config.settings.namespaces),
        pages=PageCache(config.settings.page_cache * 1024 * 1024),
        desk=open_desk(config.settings, config.store),
    )
    if config.warm:
        context = app.extensions["policykg"]
        keep_warm(context.store, config.settings.namespaces, context.search)
    from urllib.parse import urlencode

    from kg.web import (
        assertions,
        browse,
        contribute,
        dataset,
        errors,
        graph_store,
        linked_data,
        openapi,
        operations,
        pages,
        program,
        proposals,
        search,
        sparql,
    )
    from kg.web.charts import listing_strip
    from kg.web.svg import local_href

    errors.register(app)
    operations.install(app)
    app.before_request(reraise)  # an error the query lane met, answered as every error
    ns = config.settings.namespaces
    app.jinja_env.filters["local"] = lambda iri: local_href(iri, ns)
    app.jinja_env.filters["merge_page"] = lambda args, page: urlencode(args | {"page": page})
    app.jinja_env.globals["listing_strip"] = listing_strip
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(program.blueprint)
    app.register_blueprint(search.blueprint)
    app.register_blueprint(browse.blueprint)
    app.register_blueprint(dataset.blueprint)
    app.register_blueprint(assertions.blueprint)
    app.register_blueprint(graph_store.blueprint)
    app.register_blueprint(contribute.blueprint)
    app.register_blueprint(proposals.blueprint)
    app.register_blueprint(operations.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_blueprint(linked_data.blueprint)  # last: it answers every other path
    context = app.extensions["policykg"]
    lane = QueryLane(app.wsgi_app, context, operations.record)
    app.wsgi_app = FrontCache(lane, context.pages, context.store, operations.record)
    return app


@dataclass(frozen=True)
class Context:
    """The application's long-lived parts, as the views see them."""

    settings: Settings
    store: Store
    runner: QueryRunner
    tokens: Tokens
    write_limiter: WriteLimiter
    search: SearchIndex
    pages: PageCache
    desk: ProposalDesk


def current() -> Context:
    """The running application's parts, from inside a request."""
    from flask import current_app

    return current_app.extensions["policykg"]

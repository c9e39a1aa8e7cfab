"""The HTTP API described in OpenAPI 3.1, at /openapi.json, and as a page at /api.

A test checks that every route of the application is described here and that every path
described here is a route, so the description stays true.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from kg import __version__
from kg.namespaces import Namespaces
from kg.web import current

blueprint = Blueprint("openapi", __name__)


def _media(*types: str) -> dict:
    """Content for these media types: JSON ones hold any JSON, the others a string."""
    return {
        media: {"schema": {} if media.endswith("json") else {"type": "string"}} for media in types
    }


TEXT = _media("text/plain")
RDF = _media("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
HTML = _media("text/html")
JSON = {"application/json": {"schema": {"type": "object"}}}
RESULTS = _media(
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
)
BODIES = _media(
    "text/turtle",
    "application/trig",
    "application/n-triples",
    "application/n-quads",
    "application/ld+json",
)
DUMPS = _media(
    "application/n-quads",
    "application/trig",
    "application/ld+json",
    "text/turtle",
    "application/n-triples",
)
BEARER = [{"bearer": []}]


def _answer(description: str, content: dict | None = None) -> dict:
    return {"description": description, **({"content": content} if content else {})}


def _errors(*codes: int) -> dict:
    names = {
        400: "bad request (the message says what is wrong)",
        401: "no valid token",
        403: "the token's role may not do this (a contributor proposes; editors decide)",
        404: "not found",
        406: "nothing acceptable",
        409: "conflict",
        410: "gone",
        413: "body too large",
        415: "unsupported media type",
        422: "refused by the validation gate, with the SHACL report",
        429: "the token writes too fast: retry after the seconds in Retry-After",
        503: "query timeout or too large, or the store is unavailable",
    }
    if 401 in codes:  # whatever needs a token is a write, rate-limited, and may be an editor's
        codes += (403, 429)
    # an error is plain text, or a page for a browser; a refusal carries the JSON report
    return {
        str(code): _answer(names[code], JSON if code == 422 else {**TEXT, **HTML}) for code in codes
    }


def _query_parameters() -> list[dict]:
    parameter = {"in": "query", "schema": {"type": "string"}}
    return [
        {**parameter, "name": "query", "description": "a SPARQL 1.1 query"},
        {
            "in": "query",
            "name": "default-graph-uri",
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {
            "in": "query",
            "name": "named-graph-uri",
            "schema": {"type": "array", "items": {"type": "string"}},
        },
        {
            **parameter,
            "name": "format",
            "description": "overrides Accept: json, xml, csv, tsv, ttl, nt, jsonld, rdfxml…",
        },
    ]


def _page(summary: str, parameters: list[dict] | None = None) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters or [],
            "responses": {"200": _answer("the page", HTML), **_errors(400)},
        }
    }


def _listing(summary: str) -> dict:
    filters = [
        {"in": "query", "name": name, "schema": {"type": "string"}}
        for name in ("state", "type", "with", "page")
    ]
    return _page(summary, filters)


def _contribution_example(ns: Namespaces) -> dict:
    """A statement that the seed graph admits: what a client may send first (and what
    schemathesis starts its stateful runs from)."""
    statement = ns.iri("id/statement/example-contribution")
    turtle = f"""<{statement}> a <{ns.pkg}Quote> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "An example contribution"@en ;
    <https://schema.org/text> "Words said, word for word."@en ;
    <{ns.pkg}speaker> <{ns.iri("id/person/jessica-tisch")}> ;
    <http://purl.org/dc/terms/date> "2025-01-19"^^<http://www.w3.org/2001/XMLSchema#date> ;
    <{ns.pkg}reportedBy> <{ns.iri("id/source/s1")}> .
"""
    return {"text/turtle": {"schema": {"type": "string"}, "example": turtle}}


def document(ns: Namespaces) -> dict:
    graph = [
        {"in": "query", "name": "graph", "schema": {"type": "string"}},
        {"in": "query", "name": "default", "schema": {"type": "string"}},
    ]
    identifier = [
        {"in": "path", "name": "identifier", "required": True, "schema": {"type": "string"}}
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PolicyKG",
            "version": __version__,
            "description": "Who enforces US immigration law, under which policies, and "
            "who said what about it — a knowledge graph where every fact "
            "carries its source.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/": _page("the front page: search, the figures, the 287(g) program, a map"),
            "/query": _page("the query page: a SPARQL editor with the named questions"),
            "/287g": _page("ICE's 287(g) program over time: a chart, additions, removals"),
            "/state/{code}": {
                "get": {
                    "summary": "a state's agreements, policies and statements",
                    "parameters": [
                        {
                            "in": "path",
                            "name": "code",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": _answer("the page", HTML), **_errors(404)},
                }
            },
            "/search": {
                "get": {
                    "summary": "entities by the words people know them by, best first",
                    "parameters": [
                        {
                            "in": "query",
                            "name": "q",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "the words: a name, an alias, an ORI, a quote's words",
                        },
                        {"in": "query", "name": "limit", "schema": {"type": "integer"}},
                        {"in": "query", "name": "kind", "schema": {"type": "string"}},
                        {
                            "in": "query",
                            "name": "format",
                            "schema": {"type": "string", "enum": ["html", "json"]},
                            "description": "overrides Accept",
                        },
                    ],
                    "responses": {
                        "200": _answer(
                            "the results: a page, or {query, results: [{iri, label, kind, "
                            "state, why, page}]}",
                            {**HTML, **JSON},
                        ),
                        **_errors(400, 406),
                    },
                }
            },
            "/sparql": {
                "get": {
                    "summary": "SPARQL 1.1 query (or, without one, the service description)",
                    "parameters": _query_parameters(),
                    "responses": {
                        "200": _answer("results, or the service description", {**RESULTS, **HTML}),
                        **_errors(400, 406, 503),
                    },
                },
                "post": {
                    "summary": "SPARQL 1.1 query or update (a form, or a query or update body)",
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                            "application/sparql-query": {"schema": {"type": "string"}},
                            "application/sparql-update": {"schema": {"type": "string"}},
                        }
                    },
                    "responses": {
                        "200": _answer("results", RESULTS),
                        "204": _answer("updated"),
                        **_errors(400, 401, 406, 413, 415, 422, 503),
                    },
                },
                "options": {"summary": "CORS preflight", "responses": {"204": _answer("allowed")}},
            },
            "/update": {
                "post": {
                    "summary": "SPARQL 1.1 update, through the validation gate",
                    "security": BEARER,
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                            "application/sparql-update": {"schema": {"type": "string"}},
                        }
                    },
                    "responses": {
                        "204": _answer("updated"),
                        **_errors(400, 401, 409, 413, 415, 422),
                    },
                },
                "options": {"summary": "CORS preflight", "responses": {"204": _answer("allowed")}},
            },
            "/assertions": {
                "get": {
                    "summary": "contributions, newest first",
                    "parameters": [{"in": "query", "name": "page", "schema": {"type": "integer"}}],
                    "responses": {"200": _answer("a page of contributions", JSON), **_errors(400)},
                },
                "post": {
                    "summary": "contribute facts, validated with the whole graph",
                    "security": BEARER,
                    "parameters": [
                        {
                            "in": "query",
                            "name": "source",
                            "schema": {"type": "string"},
                            "example": ns.iri("id/source/s1"),
                        },
                        {"in": "query", "name": "dry-run", "schema": {"type": "string"}},
                    ],
                    "requestBody": {"content": {**BODIES, **_contribution_example(ns)}},
                    "operationId": "contribute",
                    "responses": {
                        "201": {
                            **_answer("admitted", JSON),
                            # what a client does next: read it, withdraw it
                            "links": {
                                name: {
                                    "operationId": operation,
                                    "parameters": {"identifier": "$response.body#/id"},
                                }
                                for name, operation in (
                                    ("read", "readContribution"),
                                    ("withdraw", "withdrawContribution"),
                                )
                            },
                        },
                        "202": _answer("a contributor's: kept as a proposal for an editor", JSON),
                        "200": _answer("admissible (dry run)", JSON),
                        **_errors(400, 401, 409, 413, 415, 422, 429),
                    },
                },
            },
            "/assertions/{identifier}": {
                "get": {
                    "summary": "a contribution: its record, or its graph",
                    "operationId": "readContribution",
                    "parameters": identifier,
                    "responses": {"200": _answer("the contribution", JSON), **_errors(404, 406)},
                },
                "delete": {
                    "summary": "withdraw a contribution (its record stays)",
                    "operationId": "withdrawContribution",
                    "parameters": identifier,
                    "security": BEARER,
                    "responses": {
                        "200": _answer("withdrawn", JSON),
                        **_errors(401, 403, 404, 409, 410, 422),
                    },
                },
            },
            "/proposals": {
                "get": {
                    "summary": "proposals: an editor's all, a contributor's own; newest first",
                    "security": BEARER,
                    "parameters": [
                        {"in": "query", "name": "page", "schema": {"type": "integer"}},
                        {
                            "in": "query",
                            "name": "status",
                            "schema": {"type": "string", "enum": ["pending"]},
                        },
                        {
                            "in": "query",
                            "name": "order",
                            "schema": {"type": "string", "enum": ["newest", "oldest"]},
                        },
                    ],
                    "responses": {"200": _answer("a page of proposals", JSON), **_errors(400, 401)},
                },
            },
            "/proposals/{identifier}": {
                "get": {
                    "summary": "a proposal: its facts in words, source, proposer, state, RDF",
                    "security": BEARER,
                    "parameters": identifier,
                    "responses": {
                        "200": _answer("the proposal", JSON),
                        **_errors(401, 403, 404, 406),
                    },
                },
                "delete": {
                    "summary": "withdraw a pending proposal (its proposer only)",
                    "security": BEARER,
                    "parameters": identifier,
                    "responses": {
                        "200": _answer("withdrawn", JSON),
                        **_errors(401, 403, 404, 409, 429),
                    },
                },
            },
            "/proposals/{identifier}/admit": {
                "options": {
                    "summary": "the methods allowed: POST",
                    "parameters": identifier,
                    "responses": {"204": _answer("allowed")},
                },
                "post": {
                    "summary": "admit a proposal (editors): validated again, committed whole",
                    "security": BEARER,
                    "parameters": identifier,
                    "responses": {
                        "201": _answer("admitted as a contribution", JSON),
                        **_errors(401, 403, 404, 409, 422, 429),
                    },
                },
            },
            "/proposals/{identifier}/refuse": {
                "options": {
                    "summary": "the methods allowed: POST",
                    "parameters": identifier,
                    "responses": {"204": _answer("allowed")},
                },
                "post": {
                    "summary": "refuse a proposal (editors), with a reason",
                    "security": BEARER,
                    "parameters": identifier,
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"reason": {"type": "string"}},
                                    "required": ["reason"],
                                }
                            },
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"reason": {"type": "string"}},
                                }
                            },
                        }
                    },
                    "responses": {
                        "200": _answer("refused", JSON),
                        **_errors(400, 401, 403, 404, 409, 429),
                    },
                },
            },
            "/review": _page("the editors' queue of proposals"),
            "/contribute/policy": _page("the policy form: a policy and its provisions"),
            "/rdf-graphs": {
                method: {
                    "summary": f"SPARQL 1.1 Graph Store Protocol: {method.upper()}",
                    "parameters": graph,
                    **({"security": BEARER} if method != "get" else {}),
                    **({"requestBody": {"content": BODIES}} if method in ("put", "post") else {}),
                    "responses": {
                        "200": _answer("the graph", RDF),
                        "201": _answer("created"),
                        "204": _answer("done"),
                        **_errors(400, 401, 404, 406, 409, 413, 415, 422),
                    },
                }
                for method in ("get", "put", "post", "delete")
            },
            "/contribute": _page("the contribution form"),
            "/agencies": _listing("agencies, with filters"),
            "/people": _listing("people"),
            "/policies": _listing("policies and agreements"),
            "/statements": _listing("statements"),
            "/sources": _listing("sources"),
            "/ontology": {
                "get": {
                    "summary": "the ontology: a page, or its RDF",
                    "responses": {"200": _answer("the ontology", {**HTML, **RDF})},
                }
            },
            "/dumps": _page("the dumps"),
            "/dumps/policykg.{extension}": {
                "get": {
                    "summary": "the whole graph: nq, trig, jsonld (with graphs), ttl, nt (union)",
                    "parameters": [
                        {
                            "in": "path",
                            "name": "extension",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "enum": ["nq", "trig", "jsonld", "ttl", "nt"],
                            },
                        }
                    ],
                    "responses": {
                        "200": _answer("the dump", DUMPS),
                        "304": _answer("not modified"),
                        **_errors(404),
                    },
                }
            },
            "/.well-known/void": {
                "get": {
                    "summary": "the dataset in VoID",
                    "responses": {"200": _answer("VoID", RDF), **_errors(406)},
                }
            },
            "/context.jsonld": {
                "get": {
                    "summary": "the JSON-LD context",
                    "responses": {"200": _answer("the context", {"application/ld+json": {}})},
                }
            },
            "/healthz": {
                "get": {
                    "summary": "health",
                    "responses": {
                        "200": _answer("healthy", JSON),
                        "503": _answer("unavailable", JSON),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": _answer("metrics", TEXT)},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "this description",
                    "responses": {"200": _answer("OpenAPI", JSON)},
                }
            },
            "/api": _page("this description, as a page"),
            "/{path}": {
                "get": {
                    "summary": "any IRI under the base: its page or its description",
                    "parameters": [
                        {
                            "in": "path",
                            "name": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _answer("the entity", {**HTML, **RDF}),
                        **_errors(406),
                        "404": _answer(
                            "no such entity: a page, RDF, or text", {**TEXT, **HTML, **RDF}
                        ),
                    },
                }
            },
        },
    }


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document(current().settings.namespaces))


@blueprint.get("/api")
def api() -> str:
    return render_template("api.html", spec=document(current().settings.namespaces))

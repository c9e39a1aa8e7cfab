"""WSGI entry point: ``gunicorn server:app`` (or any WSGI server), configured from KG_* variables.

`kg serve` does the same with sensible gunicorn settings; see the README.
"""

from kg.web import create_app

app = create_app()

"""WSGI entry point for any WSGI server (``gunicorn server:app``, ``granian --interface wsgi
server:app``), configured from KG_* variables.

`kg serve` does the same under Granian, with the settings the README explains.
"""

from kg.web import create_app

app = create_app()

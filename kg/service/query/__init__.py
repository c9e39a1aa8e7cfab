"""Answering SPARQL: the named queries, the guard on what a query may do, the runner that
evaluates under a deadline and a memory bound, and the Service Description."""

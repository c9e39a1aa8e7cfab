"""Writes to the published graph: the validation gate, contributions, SPARQL Update through the
gate, and proposals that wait for an editor."""

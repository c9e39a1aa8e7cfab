"""What PolicyKG does with a store, with no HTTP and no terminal here. Its rooms, by job:

- ``query``: answering SPARQL (named queries, the guard, the runner, the Service Description);
- ``publish``: what readers read (entity pages, lists, the overview, dumps, VoID, the ontology);
- ``write``: the validation gate, contributions, SPARQL Update and the Graph Store, proposals;
- ``imports``: the public datasets, each into its own named graph, agencies reconciled;
- ``search``: finding an entity by the words people know it by;
- ``loading``, ``cache`` and ``warm``: loading RDF, answers kept per generation, and warming them.
"""

"""What is published for reading: entity descriptions and pages, the browse lists, the front
page's overview and the 287(g) program's history, dumps, VoID and the ontology as a document."""

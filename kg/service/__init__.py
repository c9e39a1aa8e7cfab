"""What PolicyKG does with a store: load, query, validate, export. No HTTP, no terminal here."""

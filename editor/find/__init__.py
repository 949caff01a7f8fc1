"""Finding text: search over a document and the find bar."""

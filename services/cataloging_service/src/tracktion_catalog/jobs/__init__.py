"""One module per kind of message the catalog consumes: message -> adapters (read) -> domain (decide) -> database."""

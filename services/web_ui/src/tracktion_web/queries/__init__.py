"""Read-only questions about the catalog, one module per page: each function takes a Database and returns API models.

Only ``SELECT``: the catalog service is the only writer of the catalog database.
"""

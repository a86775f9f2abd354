"""tracktion_shared."""

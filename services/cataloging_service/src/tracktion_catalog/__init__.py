"""tracktion_catalog."""

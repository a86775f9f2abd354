"""tracktion_operator."""

"""tracktion."""

"""The analysis service's consumers, one module each."""

"""tracktion_analysis."""

"""tracktion_tracklist."""

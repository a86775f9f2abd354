"""The bus consumer: fingerprint each cataloged recording, identify sets, find new tracks in old sets."""

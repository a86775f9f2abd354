"""I/O: decoding audio with PyAV, the fingerprint index in SQLite or PostgreSQL."""

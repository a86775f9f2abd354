"""The catalog's I/O: reading files (hashes, tags) and the small database helpers; foreign errors end here."""

"""Pure fingerprinting and matching: peaks, quads and hashes, Hough voting, segments. No I/O."""

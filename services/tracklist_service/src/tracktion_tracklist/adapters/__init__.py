"""Everything that touches the outside world: the site (httpx), the rate limiter, the cue files on disk."""

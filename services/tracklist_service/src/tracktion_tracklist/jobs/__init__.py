"""Consumers: one module each, message -> domain -> adapters."""

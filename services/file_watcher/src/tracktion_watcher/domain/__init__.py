"""The watcher's decisions, free of I/O: which names are audio, when a file has settled, what a change means.

Everything here is plain data and pure functions so it can be tested with a fake clock and no file system. Nothing in
this package may import :mod:`tracktion_watcher.adapters`.
"""

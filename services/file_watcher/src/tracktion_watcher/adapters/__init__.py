"""The watcher's contact with the outside world: the file system, watchdog and the bus.

Foreign errors stop here: an ``OSError`` from a stat or a directory listing becomes a skip with a reason, a failing
inotify setup becomes a fallback to polling, and a failed publish is logged (the next sweep repairs what it lost).
"""

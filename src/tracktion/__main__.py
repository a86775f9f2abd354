"""``python -m tracktion`` is the ``tracktion`` command."""

from tracktion.cli import main

main()

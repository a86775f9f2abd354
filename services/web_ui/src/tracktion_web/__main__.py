"""``python -m tracktion_web``: the image's entry point. Serves on ``TRACKTION_UI_HOST`` (default 0.0.0.0) and
``TRACKTION_UI_PORT`` (8477), so it needs ``TRACKTION_UI_TOKEN``; settings come from ``TRACKTION_*`` variables."""

from __future__ import annotations

import sys

from tracktion_shared.config import Settings
from tracktion_shared.logs import configure_logging
from tracktion_web.server import ServeError, serve
from tracktion_web.settings import UiSettings

#: the image serves every interface of its container; the token keeps it closed
IMAGE_HOST = "0.0.0.0"  # noqa: S104


def main() -> int:
    settings, ui = Settings(), UiSettings()
    configure_logging("web", settings.log_level, settings.log_format)
    try:
        serve(ui.host or IMAGE_HOST, ui.port, settings, ui, say=lambda line: print(line, file=sys.stderr))
    except ServeError as error:
        print(f"tracktion web: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every image runs as a non-root user: the final stage of each Dockerfile ends as a numeric, non-zero uid.

Numeric, because Kubernetes can only enforce ``runAsNonRoot`` on an image whose user is a number (a name could map
to uid 0 inside the image). The Dockerfiles are found, not listed, so a new service's image is held to it at once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCKERFILES = sorted(
    path
    for pattern in ("services/*/Dockerfile*", "operator/Dockerfile*", "Dockerfile*")
    for path in REPO.glob(pattern)
    if path.is_file()
)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, backslash continuations joined."""
    joined = re.sub(r"\\\s*\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            result.append((keyword.upper(), arguments.strip()))
    return result


def final_user(text: str) -> str | None:
    """The USER in force at the end of the last stage (None: the base image's, which is root for python images)."""
    user = None
    for keyword, arguments in instructions(text):
        if keyword == "FROM":
            user = None  # a new stage starts with the base image's user
        elif keyword == "USER":
            user = arguments
    return user


def problem(text: str) -> str | None:
    """Why this Dockerfile's image would run as root (or might), or None when it runs as a non-root uid."""
    user = final_user(text)
    if user is None:
        return "the final stage sets no USER, so it runs as the base image's user (root)"
    uid = user.split(":", 1)[0]
    if not uid.isdigit():
        return f"USER {user}: use a numeric uid so Kubernetes can verify runAsNonRoot"
    if int(uid) == 0:
        return f"USER {user} is root"
    return None


def test_the_images_are_found() -> None:
    assert len(DOCKERFILES) >= 5, DOCKERFILES  # four services and the operator at least


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_image_runs_as_a_non_root_uid(dockerfile: Path) -> None:
    assert problem(dockerfile.read_text()) is None, f"{dockerfile.relative_to(REPO)}: {problem(dockerfile.read_text())}"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("FROM python:3.11-slim\nRUN true\n", "sets no USER"),
        ("FROM a AS b\nUSER 10001\nFROM python:3.11-slim\nCOPY --from=b / /\n", "sets no USER"),
        ("FROM python:3.11-slim\nUSER 10001\nRUN apt-get update\nUSER 0:0\n", "is root"),
        ("FROM python:3.11-slim\nUSER tracktion\n", "numeric uid"),
        ("FROM python:3.11-slim\n# USER 10001\n", "sets no USER"),
    ],
)
def test_the_check_catches_root_images(text: str, why: str) -> None:
    found = problem(text)
    assert found is not None
    assert why in found


def test_the_check_accepts_a_continued_final_user() -> None:
    assert problem("FROM python:3.11-slim\nRUN useradd \\\n  --uid 10001 app\nUSER 10001:10001\n") is None

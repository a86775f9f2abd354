"""skaffold.yaml builds every image the operator puts into a pod, each from a Dockerfile that exists."""

from __future__ import annotations

from k8s_checks import ROOT, load_yaml

from tracktion_operator.render import SERVICES
from tracktion_operator.render.ui import UI


def test_skaffold_builds_every_image_the_operator_renders() -> None:
    config = load_yaml(ROOT / "skaffold.yaml")
    artifacts = {a["image"]: a["docker"]["dockerfile"] for a in config["build"]["artifacts"]}
    for dockerfile in artifacts.values():
        assert (ROOT / dockerfile).is_file(), dockerfile
    rendered = {svc.image for svc in SERVICES} | {UI.image, "tracktion-operator"}
    # the example MusicLibrary asks for registry `tracktion`: skaffold must build exactly those names
    assert {image.removeprefix("tracktion/") for image in artifacts} == rendered

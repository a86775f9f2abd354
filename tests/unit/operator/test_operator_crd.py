"""The MusicLibrary CRD: valid for Kubernetes, accepts the example, refuses nonsense, agrees with the operator."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from k8s_checks import (
    CRD_PATH,
    EXAMPLE_PATH,
    ROOT,
    apply_defaults,
    load_yaml,
    validate_cr,
    validate_manifest,
)

from tracktion_operator.model import GROUP, KIND, PLURAL, VERSION, MusicLibrarySpec


def example() -> dict[str, Any]:
    return dict(load_yaml(EXAMPLE_PATH))


def test_crd_is_a_valid_kubernetes_manifest() -> None:
    validate_manifest(load_yaml(CRD_PATH))


def test_crd_names_match_the_operator() -> None:
    crd = load_yaml(CRD_PATH)
    assert crd["spec"]["group"] == GROUP
    assert crd["spec"]["names"]["kind"] == KIND
    assert crd["spec"]["names"]["plural"] == PLURAL
    version = crd["spec"]["versions"][0]
    assert version["name"] == VERSION
    assert version["subresources"] == {"status": {}}
    assert [c["name"] for c in version["additionalPrinterColumns"]] == ["Phase", "Ready", "Queue", "Workers", "Age"]


def test_chart_ships_the_same_crd() -> None:
    assert (ROOT / "charts" / "tracktion" / "crds" / "musiclibrary.yaml").read_text() == CRD_PATH.read_text()


def test_example_validates() -> None:
    validate_cr(example())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "analysis", "autoscaling", "engine"), "hpa"),
        (("spec", "catalog", "replicas"), -1),
        (("spec", "analysis", "autoscaling", "maxReplicas"), 0),
        (("spec", "analysis", "autoscaling", "pollingInterval"), 1),
        (("spec", "tracklist", "rateLimitPerMinute"), 0),
        (("spec", "image", "pullPolicy"), "Sometimes"),
        (("spec", "logLevel"), "TRACE"),
        (("spec", "busPrefix"), "has space"),
        (("spec", "music"), {"hostPath": "/a", "existingClaim": "b"}),
        (("spec", "music"), {}),
        (("spec", "music", "hostPath"), "relative/path"),
        (("spec", "graph", "replicas"), -1),
        (("spec", "ui", "replicas"), 11),
        (("spec", "ui", "serviceType"), "Ingress"),
        (("spec", "ui", "ingress", "host"), "Not A Host"),
        (("spec", "ui", "tokenSecretRef"), {"key": "token"}),
    ],
)
def test_invalid_custom_resources_are_rejected(path: tuple[str, ...], value: Any) -> None:
    body = example()
    node = body
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate_cr(body)


def test_missing_spec_is_rejected() -> None:
    body = example()
    del body["spec"]
    with pytest.raises(jsonschema.ValidationError):
        validate_cr(body)


def test_operator_defaults_equal_the_crd_defaults() -> None:
    """The operator re-applies defaults itself (emulated API servers do not); both sides must say the same."""
    minimal = {"apiVersion": f"{GROUP}/{VERSION}", "kind": KIND, "spec": {"music": {"existingClaim": "songs"}}}
    defaulted = apply_defaults(copy.deepcopy(minimal))
    validate_cr(defaulted)
    from_crd = MusicLibrarySpec.model_validate(defaulted["spec"]).model_dump()
    from_model = MusicLibrarySpec.model_validate(minimal["spec"]).model_dump()
    assert from_crd == from_model
    crd_spec = defaulted["spec"]
    auto = crd_spec["analysis"]["autoscaling"]
    model = MusicLibrarySpec.model_validate(minimal["spec"])
    assert auto["maxReplicas"] == model.analysis.autoscaling.max_replicas
    assert auto["cooldownPeriod"] == model.analysis.autoscaling.cooldown_period
    assert crd_spec["image"]["tag"] == model.image.tag

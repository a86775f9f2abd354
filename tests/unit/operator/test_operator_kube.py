"""API paths for the kinds the operator touches."""

from __future__ import annotations

from tracktion_operator.kube import resource_path


def test_paths() -> None:
    assert resource_path("v1", "Secret", "ns", "s") == "/api/v1/namespaces/ns/secrets/s"
    assert resource_path("apps/v1", "Deployment", "ns") == "/apis/apps/v1/namespaces/ns/deployments"
    crd = resource_path("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "scaledobjects.keda.sh")
    assert crd == "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scaledobjects.keda.sh"

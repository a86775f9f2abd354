"""Helpers shared by the operator tests: the CRD, its schema, and Kubernetes schema validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).parents[3]
CRD_PATH = ROOT / "crds" / "musiclibrary.yaml"
EXAMPLE_PATH = ROOT / "examples" / "musiclibrary.yaml"
K8S_VERSION = "1.31.0"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def crd_schema() -> dict[str, Any]:
    crd = load_yaml(CRD_PATH)
    return dict(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])


def _strip_k8s_extensions(schema: Any) -> Any:
    """jsonschema does not know ``x-kubernetes-*``; int-or-string's ``anyOf`` already says the same."""
    if isinstance(schema, dict):
        return {k: _strip_k8s_extensions(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if isinstance(schema, list):
        return [_strip_k8s_extensions(v) for v in schema]
    return schema


def validate_cr(body: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when the API server would refuse ``body``."""
    schema = _strip_k8s_extensions(crd_schema())
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(body)


def apply_defaults(body: dict[str, Any]) -> dict[str, Any]:
    """Fill in the CRD's defaults like the API server does (only for objects that are present or defaulted)."""
    out = copy.deepcopy(body)

    def walk(node: Any, schema: dict[str, Any]) -> None:
        if not isinstance(node, dict):
            return
        for key, sub in schema.get("properties", {}).items():
            if key not in node and "default" in sub:
                node[key] = copy.deepcopy(sub["default"])
            if key in node:
                walk(node[key], sub)

    walk(out, crd_schema())
    return out


def validate_manifest(manifest: dict[str, Any]) -> None:
    """``kubernetes-validate --strict`` against Kubernetes 1.31 (unknown fields are errors)."""
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)

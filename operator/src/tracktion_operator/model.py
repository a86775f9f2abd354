"""The ``MusicLibrary`` spec as typed, defaulted Python values.

The API server applies the CRD's defaults, but the operator must not depend on that (emulated API servers in tests do
no defaulting, and old objects predate new fields), so the same defaults live here; a unit test checks that the two
agree. Field names follow the CRD's camelCase through aliases.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

GROUP = "tracktion.dev"
VERSION = "v1alpha1"
PLURAL = "musiclibraries"
KIND = "MusicLibrary"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")


class Resources(_Model):
    requests: dict[str, str | int] = Field(default_factory=dict)
    limits: dict[str, str | int] = Field(default_factory=dict)

    def manifest(self) -> dict[str, Any]:
        """The container ``resources`` block (empty sections left out, so nothing shows up as drift)."""
        out: dict[str, Any] = {}
        if self.requests:
            out["requests"] = {k: str(v) for k, v in self.requests.items()}
        if self.limits:
            out["limits"] = {k: str(v) for k, v in self.limits.items()}
        return out


class Nfs(_Model):
    server: str
    path: str


class Music(_Model):
    existing_claim: str | None = Field(default=None, alias="existingClaim")
    nfs: Nfs | None = None
    host_path: str | None = Field(default=None, alias="hostPath")
    sub_path: str = Field(default="", alias="subPath")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> Music:
        sources = [s for s in (self.existing_claim, self.nfs, self.host_path) if s is not None]
        if len(sources) != 1:
            raise ValueError("music needs exactly one of existingClaim, nfs, hostPath")
        return self


class Image(_Model):
    registry: str = "ghcr.io/tracktion"
    tag: str = "0.1.0"
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = Field(default="IfNotPresent", alias="pullPolicy")

    def of(self, name: str) -> str:
        return f"{self.registry.rstrip('/')}/{name}:{self.tag}"


class Watcher(_Model):
    resources: Resources = Field(default_factory=Resources)


class Service(_Model):
    replicas: int = Field(default=1, ge=0, le=20)
    resources: Resources = Field(default_factory=Resources)


class Tracklist(_Model):
    enabled: bool = True
    replicas: int = Field(default=1, ge=0, le=5)
    rate_limit_per_minute: int = Field(default=6, ge=1, le=120, alias="rateLimitPerMinute")
    resources: Resources = Field(default_factory=Resources)


class Identify(_Model):
    """The identify service: fingerprints, tracks found inside sets; its index lives in the library's PostgreSQL."""

    enabled: bool = True
    replicas: int = Field(default=1, ge=0, le=10)
    set_seconds: int = Field(default=900, ge=0, alias="setSeconds")
    resources: Resources = Field(default_factory=Resources)


class Autoscaling(_Model):
    enabled: bool = True
    engine: Literal["builtin", "keda"] = "builtin"
    min_replicas: int = Field(default=0, ge=0, le=100, alias="minReplicas")
    max_replicas: int = Field(default=4, ge=1, le=100, alias="maxReplicas")
    messages_per_replica: int = Field(default=20, ge=1, le=100_000, alias="messagesPerReplica")
    activation_messages: int = Field(default=0, ge=0, le=100_000, alias="activationMessages")
    polling_interval: int = Field(default=15, ge=5, le=3600, alias="pollingInterval")
    cooldown_period: int = Field(default=300, ge=0, le=86_400, alias="cooldownPeriod")


class Analysis(_Model):
    replicas: int = Field(default=1, ge=0, le=100)
    resources: Resources = Field(default_factory=Resources)
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)


class SecretRef(_Model):
    name: str
    key: str = "url"


class Graph(_Model):
    """The graph writer (consumer ``graph``); deployed only when a Neo4j is configured (bundled or by Secret)."""

    enabled: bool = True
    replicas: int = Field(default=1, ge=0, le=5)
    resources: Resources = Field(default_factory=Resources)


class TokenSecretRef(_Model):
    name: str
    key: str = "token"


class UiIngress(_Model):
    enabled: bool = False
    host: str = ""
    class_name: str = Field(default="", alias="className")
    tls_secret_name: str = Field(default="", alias="tlsSecretName")


class Ui(_Model):
    """The web UI: off unless asked for; without ``tokenSecretRef`` the operator generates the token's Secret."""

    enabled: bool = False
    replicas: int = Field(default=1, ge=0, le=10)
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(default="ClusterIP", alias="serviceType")
    ingress: UiIngress = Field(default_factory=UiIngress)
    token_secret_ref: TokenSecretRef | None = Field(default=None, alias="tokenSecretRef")
    resources: Resources = Field(default_factory=Resources)


class Backing(_Model):
    bundled: bool = False
    secret_ref: SecretRef | None = Field(default=None, alias="secretRef")


class BackingServices(_Model):
    amqp: Backing = Field(default_factory=Backing)
    postgres: Backing = Field(default_factory=Backing)
    redis: Backing = Field(default_factory=Backing)
    neo4j: Backing = Field(default_factory=Backing)
    storage_size: str = Field(default="1Gi", alias="storageSize")


class Telemetry(_Model):
    otlp_endpoint: str = Field(default="", alias="otlpEndpoint")
    sample_ratio: float = Field(default=1.0, ge=0, le=1, alias="sampleRatio")


class MusicLibrarySpec(_Model):
    music: Music
    image: Image = Field(default_factory=Image)
    watcher: Watcher = Field(default_factory=Watcher)
    catalog: Service = Field(default_factory=Service)
    tracklist: Tracklist = Field(default_factory=Tracklist)
    identify: Identify = Field(default_factory=Identify)
    analysis: Analysis = Field(default_factory=Analysis)
    graph: Graph = Field(default_factory=Graph)
    ui: Ui = Field(default_factory=Ui)
    backing: BackingServices = Field(default_factory=BackingServices)
    bus_prefix: str = Field(default="tracktion", alias="busPrefix", pattern=r"^[A-Za-z0-9_.-]+$")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", alias="logLevel")
    telemetry: Telemetry = Field(default_factory=Telemetry)


class Library(_Model):
    """What rendering needs of the custom resource: identity (for names and owner references) and the spec."""

    name: str
    namespace: str
    uid: str
    spec: MusicLibrarySpec

    @classmethod
    def from_body(cls, body: dict[str, Any] | Any) -> Library:
        meta = body["metadata"]
        return cls(
            name=meta["name"],
            namespace=meta["namespace"],
            uid=meta["uid"],
            spec=MusicLibrarySpec.model_validate(dict(body.get("spec") or {})),
        )

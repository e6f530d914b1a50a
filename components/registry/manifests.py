"""The Kubernetes objects of a self-hosted MLflow server, as plain functions.

They return the objects' fields in Kubernetes' own (camelCase) form: the component hands them to
typed pulumi-kubernetes resources, and the tests validate exactly these against the Kubernetes
schema. Values computed from other resources (the database host, the role ARN) may be
`pulumi.Output`s; everything else is plain.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

MLFLOW_IMAGE_REPOSITORY = "ghcr.io/mlflow/mlflow"
PORT = 5000
SERVICE_ACCOUNT = "mlflow"
APP_LABEL = "mlflow"
RUN_AS = 1000
"""An unprivileged uid: the official image runs as root unless told otherwise."""
PGPASS_DIR = "/var/run/mlflow-db"
PGPASS_FILE = f"{PGPASS_DIR}/pgpass"
REFRESHER_DIR = "/opt/stackyard"
REFRESHER_SCRIPT = "pgpass_refresher.py"
TOKEN_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
TOKEN_AUDIENCE = "sts.amazonaws.com"
REFRESH_SECONDS = 300
"""RDS rotates the password every 7 days by default; 5 minutes keeps the file current."""


def mlflow_image(mlflow_version: str | None = None) -> str:
    """The official MLflow image at the version of the `mlflow` package stackyard is tested with.

    The `-full` variant is the official image built with mlflow's `extras` and `db` extras, so it
    has boto3 (S3 artifacts, the secret) and psycopg2 (PostgreSQL); the plain image has neither,
    and installing them at start would need the internet the private network does not have."""
    return f"{MLFLOW_IMAGE_REPOSITORY}:v{mlflow_version or version('mlflow')}-full"


def service_hosts(service: str, namespace: str, port: int = PORT) -> list[str]:
    """Host headers the server accepts (MLflow rejects others, against DNS rebinding): the
    service's cluster names, and localhost for `kubectl port-forward`. Probes are exempt."""
    names = [
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    ]
    return [*names, *(f"{name}:{port}" for name in names), "localhost:*", "127.0.0.1:*"]


def tracking_uri(service: str, namespace: str, port: int = PORT) -> str:
    return f"http://{service}.{namespace}.svc.cluster.local:{port}"


def backend_store_uri(host: str, port: int, database: str, user: str) -> str:
    """No password: libpq reads it from PGPASSFILE. TLS is required (the parameter group forces it)."""
    return f"postgresql+psycopg2://{user}@{host}:{port}/{database}?sslmode=require"


def labels(component: str = "server") -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP_LABEL,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "stackyard",
    }


def _restricted_container() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _aws_env(role_arn: Any, region: str) -> list[dict[str, Any]]:
    """Web identity credentials for the service-account role, set explicitly so they work on any
    cluster whose issuer IAM trusts, with or without EKS's pod identity webhook."""
    return [
        {"name": "AWS_ROLE_ARN", "value": role_arn},
        {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": f"{TOKEN_DIR}/token"},
        {"name": "AWS_REGION", "value": region},
        {"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
    ]


def server_args(
    *, backend_store: Any, artifacts_destination: Any, hosts: list[str], workers: int = 2
) -> list[Any]:
    return [
        "server",
        "--host",
        "0.0.0.0",
        "--port",
        str(PORT),
        "--workers",
        str(workers),
        "--backend-store-uri",
        backend_store,
        # Clients send artifacts through the server, so only its role can reach the bucket.
        "--serve-artifacts",
        "--artifacts-destination",
        artifacts_destination,
        "--allowed-hosts",
        ",".join(hosts),
    ]


def pod_spec(
    *,
    image: str,
    backend_store: Any,
    artifacts_destination: Any,
    hosts: list[str],
    role_arn: Any,
    region: str,
    database: dict[str, Any],
    resources: dict[str, dict[str, str]],
    refresher_config_map: Any,
) -> dict[str, Any]:
    """The MLflow pod: a native sidecar keeps the database password file current, the server
    reads it through libpq, both unprivileged with read-only root filesystems."""
    token_mount = {"name": "aws-iam-token", "mountPath": TOKEN_DIR, "readOnly": True}
    pgpass_env = {"name": "PGPASSFILE", "value": PGPASS_FILE}
    common_env = [*_aws_env(role_arn, region), {"name": "HOME", "value": "/tmp"}]
    refresher = {
        "name": "db-credentials",
        "image": image,
        # restartPolicy Always makes this a sidecar (Kubernetes 1.29+): it starts first, and the
        # server starts only once the startup probe sees the password file.
        "restartPolicy": "Always",
        "command": ["python", f"{REFRESHER_DIR}/{REFRESHER_SCRIPT}"],
        "env": [
            *common_env,
            pgpass_env,
            {"name": "DB_SECRET_ARN", "value": database["secret_arn"]},
            {"name": "DB_HOST", "value": database["host"]},
            {"name": "DB_PORT", "value": str(database["port"])},
            {"name": "DB_NAME", "value": database["name"]},
            {"name": "REFRESH_SECONDS", "value": str(REFRESH_SECONDS)},
            {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
        ],
        "startupProbe": {
            "exec": {"command": ["test", "-s", PGPASS_FILE]},
            "periodSeconds": 2,
            "failureThreshold": 30,
        },
        "resources": {
            "requests": {"cpu": "10m", "memory": "64Mi"},
            "limits": {"cpu": "100m", "memory": "128Mi"},
        },
        "securityContext": _restricted_container(),
        "volumeMounts": [
            token_mount,
            {"name": "db-credentials", "mountPath": PGPASS_DIR},
            {"name": "refresher", "mountPath": REFRESHER_DIR, "readOnly": True},
        ],
    }
    health = {"httpGet": {"path": "/health", "port": "http"}}
    server = {
        "name": "mlflow",
        "image": image,
        "command": ["mlflow"],
        "args": server_args(
            backend_store=backend_store, artifacts_destination=artifacts_destination, hosts=hosts
        ),
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "env": [*common_env, pgpass_env, {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"}],
        "resources": resources,
        "startupProbe": {**health, "periodSeconds": 5, "failureThreshold": 24},
        "readinessProbe": {**health, "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
        "livenessProbe": {**health, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 3},
        "securityContext": _restricted_container(),
        "volumeMounts": [
            token_mount,
            {"name": "db-credentials", "mountPath": PGPASS_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "serviceAccountName": SERVICE_ACCOUNT,
        # The only token the pod needs is the STS-audience one projected below.
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": [refresher],
        "containers": [server],
        "volumes": [
            {
                "name": "aws-iam-token",
                "projected": {
                    "sources": [
                        {
                            "serviceAccountToken": {
                                "audience": TOKEN_AUDIENCE,
                                "expirationSeconds": 86400,
                                "path": "token",
                            }
                        }
                    ]
                },
            },
            # In memory, never on the node's disk.
            {"name": "db-credentials", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
            {
                "name": "refresher",
                "configMap": {"name": refresher_config_map, "defaultMode": 0o444},
            },
        ],
    }


def deployment_spec(pod: dict[str, Any], replicas: int) -> dict[str, Any]:
    return {
        "replicas": replicas,
        "selector": {"matchLabels": labels()},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        "template": {"metadata": {"labels": labels()}, "spec": pod},
    }


def service_spec() -> dict[str, Any]:
    """Cluster-internal only: reach it from outside with `kubectl port-forward` or your own ingress."""
    return {
        "type": "ClusterIP",
        "selector": labels(),
        "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}],
    }

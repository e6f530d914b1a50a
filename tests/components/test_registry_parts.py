"""The registry's plain functions: policy documents, manifest pieces and the password-file
sidecar, tested without the mock runtime."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from stackyard.components.registry import iam, manifests, pgpass_refresher


def test_model_package_arn_pattern_covers_the_groups_versions() -> None:
    group = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/demo-prod-churn"
    assert iam.model_package_arn_pattern(group) == (
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/demo-prod-churn/*"
    )


def test_reader_policy_lists_each_account_root_sorted() -> None:
    group = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/g"
    policy = json.loads(iam.model_group_reader_policy(group, ["444455556666", "111122223333"]))
    assert policy["Statement"][0]["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]
    }


def test_issuer_of_an_oidc_provider_arn() -> None:
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    assert iam.issuer_of(arn) == "oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def test_service_hosts_cover_cluster_names_and_port_forward() -> None:
    hosts = manifests.service_hosts("mlflow", "ml")
    assert "mlflow.ml.svc.cluster.local:5000" in hosts
    assert "mlflow.ml" in hosts
    assert "localhost:*" in hosts
    assert "*" not in hosts


def test_backend_store_uri_has_no_password_and_requires_tls() -> None:
    uri = manifests.backend_store_uri("db.example.internal", 5432, "mlflow", "mlflow")
    assert uri == "postgresql+psycopg2://mlflow@db.example.internal:5432/mlflow?sslmode=require"


@pytest.mark.parametrize(
    ("secret", "line"),
    [
        ({"username": "mlflow", "password": "plain"}, "db:5432:mlflow:mlflow:plain\n"),
        ({"username": "mlflow", "password": r"a:b\c"}, "db:5432:mlflow:mlflow:a\\:b\\\\c\n"),
    ],
)
def test_pgpass_line_escapes_colons_and_backslashes(secret: dict[str, str], line: str) -> None:
    assert pgpass_refresher.pgpass_line("db", "5432", "mlflow", secret) == line


class FakeSecretsManager:
    def __init__(self, password: str) -> None:
        self.password = password
        self.asked: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.asked.append(SecretId)
        return {"SecretString": json.dumps({"username": "mlflow", "password": self.password})}


def test_refresh_writes_a_private_file_and_follows_rotation(tmp_path: Path) -> None:
    path = tmp_path / "pgpass"
    environ = {
        "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1",
        "DB_HOST": "db",
        "DB_PORT": "5432",
        "DB_NAME": "mlflow",
        "PGPASSFILE": str(path),
    }
    client = FakeSecretsManager("first")

    pgpass_refresher.refresh(client, environ)
    assert path.read_text() == "db:5432:mlflow:mlflow:first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # libpq ignores a file others can read

    client.password = "rotated"
    pgpass_refresher.refresh(client, environ)
    assert path.read_text() == "db:5432:mlflow:mlflow:rotated\n"
    assert client.asked == [environ["DB_SECRET_ARN"]] * 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pgpass"]  # no temporary file left

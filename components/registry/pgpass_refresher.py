"""Keeps a libpq password file current with the secret RDS manages for the MLflow database.

Runs as a sidecar of the MLflow server (mounted from a ConfigMap, run by the MLflow image's
Python; needs only the standard library and boto3). RDS generates the password, keeps it in
Secrets Manager encrypted with the stack key, and rotates it; this script reads it with the pod's
service-account role and writes `PGPASSFILE` (an in-memory volume, mode 0600). psycopg2's libpq
reads that file on every new connection, so the password never appears in the database URI, a
command line, an environment variable, a Kubernetes Secret or the Pulumi state, and a rotation
is picked up within one refresh interval without restarting MLflow.

Environment: DB_SECRET_ARN, DB_HOST, DB_PORT, DB_NAME, PGPASSFILE, REFRESH_SECONDS, AWS_REGION
(plus the web identity variables the pod spec sets for the role).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def escape(field: str) -> str:
    """libpq's .pgpass escaping: backslash and colon are preceded by a backslash."""
    return field.replace("\\", "\\\\").replace(":", "\\:")


def pgpass_line(host: str, port: str, database: str, secret: dict[str, Any]) -> str:
    """One .pgpass entry from the secret RDS manages (a JSON object with username and password)."""
    fields = [host, port, database, str(secret["username"]), str(secret["password"])]
    return ":".join(escape(field) for field in fields) + "\n"


def write_private(path: str, content: str) -> None:
    """Write atomically with mode 0600 (libpq ignores a password file others can read)."""
    temporary = f"{path}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
    os.replace(temporary, path)


def refresh(client: Any, environ: dict[str, str]) -> None:
    secret = json.loads(client.get_secret_value(SecretId=environ["DB_SECRET_ARN"])["SecretString"])
    line = pgpass_line(environ["DB_HOST"], environ["DB_PORT"], environ["DB_NAME"], secret)
    write_private(environ["PGPASSFILE"], line)


def main() -> int:
    import boto3

    environ = dict(os.environ)
    client = boto3.client("secretsmanager", region_name=environ.get("AWS_REGION"))
    interval = int(environ.get("REFRESH_SECONDS", "300"))
    try:
        refresh(client, environ)
    except Exception as error:  # the first read must work: fail the pod's start visibly
        print(f"cannot read the database secret: {error}", file=sys.stderr)
        return 1
    print("database password file written", flush=True)
    while True:
        time.sleep(interval)
        try:
            refresh(client, environ)
        except Exception as error:  # keep the last good password; try again next interval
            print(f"refresh failed, keeping the previous password: {error}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())

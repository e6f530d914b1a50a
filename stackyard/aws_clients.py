"""boto3 clients for the commands that read a live account (`audit`, `verify`).

Every client retries throttling and transient errors as boto3's standard retry mode does
(exponential backoff with jitter, up to `MAX_ATTEMPTS` attempts), and goes to `--endpoint-url`
when one is given (a VPC endpoint, a proxy, or moto's server in the tests). boto3 is imported
here, on first use, so `stackyard --help` does not pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stackyard.errors import UserError

MAX_ATTEMPTS = 10


@dataclass
class AwsAccess:
    """Where and as whom: the `--region`, `--profile` and `--endpoint-url` options."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def session(self) -> Any:
        if self._session is None:
            import boto3
            from botocore.exceptions import ProfileNotFound

            try:
                self._session = boto3.Session(profile_name=self.profile, region_name=self.region)
            except ProfileNotFound as e:
                raise UserError(f"--profile: {e}") from None
            if not self._session.region_name:
                raise UserError("no AWS region: give --region, or set AWS_REGION or a region in the profile")
        return self._session

    @property
    def region_name(self) -> str:
        return str(self.session().region_name)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                connect_timeout=10,
                read_timeout=60,
            )
            self._clients[service] = self.session().client(
                service, endpoint_url=self.endpoint_url, config=config
            )
        return self._clients[service]


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore `ClientError`, else the exception's class name."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", type(error).__name__))
    return type(error).__name__


def describe_error(error: BaseException) -> str:
    """One line for a botocore error: the service's code and message, or the connection problem."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        detail = response["Error"]
        # Some answers carry a whole HTML page: its first line says enough.
        message = str(detail.get("Message") or "").strip().splitlines()[:1]
        return f"{detail.get('Code', 'Error')}: {message[0][:300] if message else ''}".rstrip(": ")
    return str(error) or type(error).__name__


def credentials_problem(error: BaseException) -> UserError | None:
    """A `UserError` (exit 2) when `error` says no usable credentials were found."""
    from botocore.exceptions import NoCredentialsError, PartialCredentialsError

    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return UserError(f"no AWS credentials: {error} (give --profile, or set AWS_PROFILE or keys)")
    return None

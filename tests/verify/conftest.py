from tests.moto_server import aws, moto_server  # noqa: F401 (the moto server fixtures)

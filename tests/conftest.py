"""Shared fixtures: one real Label Studio server for the whole test session.

``label_studio`` starts the embedded server (annotate.studio.server) in a temporary folder on a free
127.0.0.1 port and stops it at the end; ``ls_client`` is an SDK client connected to it.
``second_label_studio`` is another one, started only when a test asks for it, for tests that stop
a server or change its organization settings. Every test using any of them is marked ``server``
automatically, so ``pytest -m "not server"`` skips them.

``--database postgresql`` runs both servers on PostgreSQL: ``postgresql`` starts a throwaway
PostgreSQL server (tests/postgres_cluster.py) for the session and each Label Studio gets its own
empty database in it. The default, ``--database sqlite``, is the embedded server's default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from label_studio_sdk import LabelStudio

from annotate.scheme.schema import Schema, load_schema
from annotate.studio.connection import Connection, connect
from annotate.studio.server import free_port, read_credentials, start_server, stop_server

PROJECT_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "arms_news.yaml"
SERVER_FIXTURES = {"label_studio", "ls_client", "second_label_studio", "postgresql"}
DATABASES = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database", choices=DATABASES, default="sqlite",
                     help="the database of the tests' Label Studio servers (default sqlite)")


@dataclass(frozen=True)
class RunningServer:
    """The session's Label Studio: where it is and how to log in."""

    url: str
    api_key: str
    data_dir: Path
    username: str
    password: str
    pid: int
    database: str | None = None  # postgresql://USER@HOST:PORT/NAME, None on SQLite
    database_password: str | None = None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret of this server: none may appear in any output, file or log."""
        return tuple(s for s in (self.api_key, self.password, self.database_password) if s)

    def __repr__(self) -> str:
        return f"RunningServer(url={self.url!r}, data_dir={str(self.data_dir)!r}, pid={self.pid})"

    @property
    def connection(self) -> Connection:
        return Connection(url=self.url, api_key=self.api_key)


def _serve(data_dir: Path, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    database = password = None
    if request.config.getoption("--database") == "postgresql":
        database, password = request.getfixturevalue("postgresql").create_database()
    info = start_server(data_dir, port=free_port(), timeout=600,  # generous: CI machines can be slow
                        database=database, database_password=password)
    try:
        credentials = read_credentials(data_dir)
        assert credentials is not None
        yield RunningServer(
            url=info.url, api_key=credentials.api_key, data_dir=info.data_dir,
            username=credentials.username, password=credentials.password, pid=info.pid,
            database=credentials.database, database_password=credentials.database_password,
        )
    finally:
        stop_server(data_dir)


@pytest.fixture(scope="session")
def postgresql() -> Iterator[Any]:
    """A PostgreSQL server of this session only (127.0.0.1, free port, temporary folder), stopped at the end."""
    from postgres_cluster import start_cluster

    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """The session's Label Studio (legacy API token enabled); shared, so do not stop or reconfigure it."""
    yield from _serve(tmp_path_factory.mktemp("labelstudio"), request)


@pytest.fixture(scope="session")
def second_label_studio(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[RunningServer]:
    """A second server, only for tests that stop it or change organization-wide settings.

    Started on first use. A test that changes it must leave it running and as it found it.
    """
    yield from _serve(tmp_path_factory.mktemp("labelstudio-second"), request)


@pytest.fixture
def ls_client(label_studio: RunningServer) -> LabelStudio:
    return connect(label_studio.connection)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium for the browser tests (one per test module)."""
    from browser_helpers import launch, require_chromium
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def schema() -> Schema:
    """The project's schema, ``schemas/arms_news.yaml`` (a frozen value: one for every test)."""
    return load_schema(PROJECT_SCHEMA)

"""The --database URL and the data folder's database, without a server."""

from __future__ import annotations

import json

import pytest

from annotate.errors import ServerError
from annotate.studio.database import parse_database_url
from annotate.studio.server import CREDENTIALS_FILE, _is_database_variable, read_credentials, start_server


def test_a_url_gives_user_host_port_and_name_and_shows_no_password():
    database = parse_database_url("postgresql://ann%40lab:p%2Fw@db.example.org:6543/label_studio", "ignored")
    assert (database.user, database.host, database.port, database.name) == ("ann@lab", "db.example.org", 6543,
                                                                            "label_studio")
    assert database.password == "p/w"
    assert "p/w" not in database.url + repr(database) and "p%2Fw" not in database.url
    assert database.url == "postgresql://ann%40lab@db.example.org:6543/label_studio"


def test_without_a_password_in_the_url_pgpassword_is_used_and_the_port_defaults():
    database = parse_database_url("postgres://ls@127.0.0.1/ls", "from-env")
    assert (database.port, database.password) == (5432, "from-env")
    assert database.environment() == {
        "DJANGO_DB": "default", "POSTGRE_NAME": "ls", "POSTGRE_USER": "ls", "POSTGRE_PASSWORD": "from-env",
        "POSTGRE_HOST": "127.0.0.1", "POSTGRE_PORT": "5432",
    }


@pytest.mark.parametrize("url, problem", [
    ("mysql://u:secret@h/db", "only PostgreSQL"),
    ("postgresql://secret@h", "no database name"),
    ("postgresql://h/db", "no user"),
    ("postgresql://u:secret@h:notaport/db", "bad host or port"),
    ("postgresql://u:secret@h/db?sslmode=require", "more than a database name"),
])
def test_a_bad_url_is_one_line_that_never_repeats_it(url, problem):
    with pytest.raises(ServerError, match=problem) as caught:
        parse_database_url(url)
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


def write_credentials(folder, **extra):
    folder.mkdir()
    record = {"url": "http://127.0.0.1:9", "username": "admin@localhost", "password": "pw", "api_key": "k", **extra}
    (folder / CREDENTIALS_FILE).write_text(json.dumps(record))


def test_a_sqlite_data_folder_is_not_moved_to_postgresql(tmp_path):
    write_credentials(tmp_path / "ls")
    with pytest.raises(ServerError, match="already holds a Label Studio on SQLite"):
        start_server(tmp_path / "ls", port=9, database="postgresql://ls@127.0.0.1:9/ls")
    assert read_credentials(tmp_path / "ls").database is None


def test_a_data_folder_keeps_the_database_it_started_on(tmp_path):
    write_credentials(tmp_path / "ls", database="postgresql://ls@127.0.0.1:5432/ls", database_password="pw")
    with pytest.raises(ServerError, match="runs on postgresql://ls@127.0.0.1:5432/ls, not"):
        start_server(tmp_path / "ls", port=9, database="postgresql://ls@127.0.0.1:5432/other")


def test_inherited_database_variables_never_reach_the_server():
    for name in ("DJANGO_DB", "LABEL_STUDIO_DJANGO_DB", "POSTGRE_HOST", "HEARTEX_POSTGRE_PASSWORD", "DATABASE_NAME"):
        assert _is_database_variable(name)
    for name in ("PATH", "PGPASSWORD", "LABEL_STUDIO_URL", "POSTGRES"):
        assert not _is_database_variable(name)

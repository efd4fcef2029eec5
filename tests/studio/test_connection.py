"""Connecting: where the URL and key come from, what each failure says, and retries."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator

import httpx
import jwt
import pytest
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import ConnectionProblem
from annotate.studio.connection import (
    KEY_VARIABLE,
    URL_VARIABLE,
    Connection,
    RequestRefused,
    call_with_retries,
    connect,
    resolve_connection,
)
from annotate.studio.server import free_port

SECRET = "0123456789abcdef0123456789abcdef01234567"


# --- resolving: arguments, then environment, then the embedded server ------------------------------


@pytest.fixture
def embedded(tmp_path, monkeypatch) -> Iterator:
    """A data folder whose credentials file names an embedded server; no variables set."""
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    (tmp_path / "credentials.json").write_text(json.dumps({
        "url": "http://127.0.0.1:8080", "username": "admin@localhost", "password": "pw", "api_key": "embedded-key",
    }))
    yield tmp_path


def test_embedded_credentials_are_used_when_nothing_else_is_given(embedded):
    connection = resolve_connection(data_dir=embedded)
    assert (connection.url, connection.api_key) == ("http://127.0.0.1:8080", "embedded-key")
    assert "embedded" in connection.source


def test_environment_variables_win_over_the_embedded_server(embedded, monkeypatch):
    monkeypatch.setenv(URL_VARIABLE, "https://ls.example.org/")
    monkeypatch.setenv(KEY_VARIABLE, "env-key")
    connection = resolve_connection(data_dir=embedded)
    assert (connection.url, connection.api_key, connection.source) == ("https://ls.example.org", "env-key", "environment")


def test_arguments_win_over_environment_variables(embedded, monkeypatch):
    monkeypatch.setenv(URL_VARIABLE, "https://ls.example.org")
    monkeypatch.setenv(KEY_VARIABLE, "env-key")
    connection = resolve_connection("http://other:9000", "arg-key", data_dir=embedded)
    assert (connection.url, connection.api_key, connection.source) == ("http://other:9000", "arg-key", "arguments")


def test_embedded_key_is_never_sent_to_another_server(embedded, monkeypatch):
    monkeypatch.setenv(URL_VARIABLE, "https://ls.example.org")
    with pytest.raises(ConnectionProblem, match=KEY_VARIABLE):
        resolve_connection(data_dir=embedded)


def test_embedded_key_is_used_for_the_embedded_url_given_as_localhost(embedded):
    connection = resolve_connection("http://localhost:8080", data_dir=embedded)
    assert connection.api_key == "embedded-key"


def test_nothing_to_connect_to_says_to_start_the_server_or_set_variables(tmp_path, monkeypatch):
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(ConnectionProblem, match="annotate server start") as caught:
        resolve_connection(data_dir=tmp_path)
    assert URL_VARIABLE in str(caught.value) and KEY_VARIABLE in str(caught.value)
    assert f"`annotate server start --data-dir {tmp_path}`" in str(caught.value)  # the folder it looked in


def test_connection_repr_and_str_hide_the_key():
    connection = Connection("http://127.0.0.1:8080", SECRET)
    assert SECRET not in repr(connection) and SECRET not in str(connection)


# --- connecting to the real server ------------------------------------------------------------


def test_legacy_token_connects(label_studio):
    client = connect(resolve_connection(data_dir=label_studio.data_dir))
    assert client.users.whoami().email == label_studio.username


def test_wrong_key_is_refused_without_showing_it(label_studio):
    with pytest.raises(ConnectionProblem, match="refused the API key") as caught:
        connect(Connection(label_studio.url, SECRET))
    assert_one_line_without(caught.value, SECRET)


def test_forged_personal_access_token_is_refused_without_showing_it(label_studio):
    forged = jwt.encode({"token_type": "refresh", "exp": 4_000_000_000, "user_id": 1}, "a signing key that is not the server's one", algorithm="HS256")
    with pytest.raises(ConnectionProblem, match="refused the API key") as caught:
        connect(Connection(label_studio.url, forged))
    assert_one_line_without(caught.value, forged)


def test_expired_personal_access_token_says_to_create_a_new_one():
    expired = jwt.encode({"token_type": "refresh", "exp": 1_000_000_000}, "k" * 32, algorithm="HS256")
    with pytest.raises(ConnectionProblem, match="expired; create a new one") as caught:
        connect(Connection(f"http://127.0.0.1:{free_port()}", expired))
    assert_one_line_without(caught.value, expired)


def test_personal_access_token_works_and_disabled_legacy_tokens_are_explained(second_label_studio):
    server = second_label_studio
    admin = connect(Connection(server.url, server.api_key))
    personal = admin.tokens.create().token
    as_person = connect(Connection(server.url, personal))
    assert as_person.users.whoami().email == server.username
    settings = as_person.jwt_settings.get()
    as_person.jwt_settings.update(api_token_ttl_days=settings.api_token_ttl_days, legacy_api_tokens_enabled=False)
    try:
        with pytest.raises(ConnectionProblem, match="Personal Access Token") as caught:
            connect(Connection(server.url, server.api_key))
        assert_one_line_without(caught.value, server.api_key)
    finally:
        as_person.jwt_settings.update(api_token_ttl_days=settings.api_token_ttl_days, legacy_api_tokens_enabled=True)
        as_person.tokens.blacklist(refresh=personal)
    assert connect(Connection(server.url, server.api_key)).users.whoami().email == server.username


# --- failures without Label Studio ---------------------------------------------------------------


def assert_one_line_without(error: BaseException, secret: str) -> None:
    text = str(error)
    assert "\n" not in text
    assert secret not in text and secret not in repr(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_refused_connection_is_one_clear_line():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionProblem, match="connection refused") as caught:
        connect(Connection(url, SECRET))
    assert url in str(caught.value) and "check the URL" in str(caught.value)
    assert_one_line_without(caught.value, SECRET)


def test_refused_embedded_server_says_to_start_it():
    connection = Connection(f"http://127.0.0.1:{free_port()}", SECRET, source="embedded server in .labelstudio")
    with pytest.raises(ConnectionProblem, match="annotate server start"):
        connect(connection)


def test_refused_embedded_server_of_another_data_folder_names_that_folder_in_the_hint(embedded):
    (embedded / "credentials.json").write_text(json.dumps({
        "url": f"http://127.0.0.1:{free_port()}", "username": "admin@localhost", "password": "pw", "api_key": SECRET,
    }))
    with pytest.raises(ConnectionProblem, match=f"start it with `annotate server start --data-dir {embedded}`"):
        connect(resolve_connection(data_dir=embedded))


def test_unknown_host_is_one_clear_line():
    with pytest.raises(ConnectionProblem, match="cannot reach") as caught:
        connect(Connection("http://no-such-host.invalid", SECRET), timeout=10)
    assert_one_line_without(caught.value, SECRET)


def test_not_a_url_is_one_clear_line():
    with pytest.raises(ConnectionProblem, match="not an http"):
        connect(Connection("localhost:8080", SECRET))


def test_a_url_without_scheme_and_no_key_reports_the_url_first(tmp_path, monkeypatch):
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(ConnectionProblem, match=r"'127.0.0.1:8080' is not an http\(s\) URL.*http://127.0.0.1:8080"):
        resolve_connection("127.0.0.1:8080", data_dir=tmp_path)


def test_a_url_without_scheme_in_the_environment_is_reported_before_the_embedded_key_is_used(embedded, monkeypatch):
    monkeypatch.setenv(URL_VARIABLE, "127.0.0.1:8080")
    with pytest.raises(ConnectionProblem, match="is not an http"):
        resolve_connection(data_dir=embedded)


class _NotLabelStudio(http.server.BaseHTTPRequestHandler):
    status = 404

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>Some other web site</body></html>")

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


class _HomePageEverywhere(_NotLabelStudio):
    status = 200


@pytest.fixture(params=[_NotLabelStudio, _HomePageEverywhere], ids=["404-pages", "html-200-everywhere"])
def other_web_server(request) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("key", [SECRET, jwt.encode({"token_type": "refresh", "exp": 4_000_000_000}, "k" * 32)],
                         ids=["legacy-token", "personal-access-token"])
def test_web_server_that_is_not_label_studio_is_named_as_such(other_web_server, key):
    with pytest.raises(ConnectionProblem, match="does not look like Label Studio") as caught:
        connect(Connection(other_web_server, key))
    assert_one_line_without(caught.value, key)


def test_server_that_never_answers_times_out_with_one_line():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(ConnectionProblem, match="did not answer within 1 s") as caught:
            connect(Connection(url, SECRET), timeout=1)
    assert_one_line_without(caught.value, SECRET)


# --- retries (a fake callable; no HTTP) --------------------------------------------------------


class Flaky:
    """Fails with the given errors in turn, then returns "done"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.last_call = (args, kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def refused_connection() -> httpx.ConnectError:
    return httpx.ConnectError("[Errno 111] Connection refused")


def test_transient_failures_are_retried_with_growing_delays():
    flaky = Flaky(refused_connection(), httpx.ReadTimeout("timed out"), ApiError(status_code=503, body="busy"))
    delays: list[float] = []
    result = call_with_retries(flaky, 7, what="reading project 7", page=2, sleep=delays.append)
    assert result == "done" and flaky.calls == 4
    assert flaky.last_call == ((7,), {"page": 2})
    assert delays == [0.5, 1.0, 2.0]


def test_failures_beyond_the_attempts_give_one_line_naming_the_call():
    flaky = Flaky(*[refused_connection() for _ in range(5)])
    with pytest.raises(ConnectionProblem) as caught:
        call_with_retries(flaky, what="reading project 7", attempts=3, sleep=lambda _: None)
    message = str(caught.value)
    assert flaky.calls == 3
    assert message.startswith("reading project 7 failed after 3 attempts: ConnectError: [Errno 111] Connection refused")
    assert "run the command again" in message and "\n" not in message


def test_delays_are_capped():
    flaky = Flaky(*[ApiError(status_code=502, body=None) for _ in range(6)])
    delays: list[float] = []
    with pytest.raises(ConnectionProblem, match="HTTP 502"):
        call_with_retries(flaky, what="x", attempts=6, base_delay=4, max_delay=10, sleep=delays.append)
    assert delays == [4, 8, 10, 10, 10]


def test_client_error_is_not_retried_and_says_what_was_refused():
    flaky = Flaky(ApiError(status_code=400, body={"detail": "label config is invalid"}))
    with pytest.raises(RequestRefused, match="label config is invalid") as caught:
        call_with_retries(flaky, what="updating project 3", sleep=lambda _: pytest.fail("slept"))
    assert flaky.calls == 1 and caught.value.status_code == 400
    assert str(caught.value).startswith("updating project 3 was refused by Label Studio: HTTP 400")


def test_expected_status_reaches_the_caller_unchanged():
    missing = ApiError(status_code=404, body={"detail": "Not found."})
    with pytest.raises(ApiError) as caught:
        call_with_retries(Flaky(missing), what="reading project 9", expected_statuses={404})
    assert caught.value is missing


def test_other_exceptions_are_not_retried():
    flaky = Flaky(ValueError("a bug"))
    with pytest.raises(ValueError, match="a bug"):
        call_with_retries(flaky, what="x", sleep=lambda _: pytest.fail("slept"))
    assert flaky.calls == 1

"""Connecting to Label Studio: find the URL and key, check them, retry idempotent calls.

Where the URL and key come from, first found wins for each:
    1. arguments (``--url`` / ``--api-key``),
    2. the SDK's environment variables ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY``,
    3. the embedded server's credentials file (``annotate server start``).
The embedded server's key is only ever sent to the embedded server's URL.

Both kinds of key work: a legacy token (sent as ``Token <key>``) and a Personal Access Token (a
JWT refresh token, which the SDK exchanges at ``/api/token/refresh/`` and sends as ``Bearer``).
The key never appears in a message, a repr or a log line made here.
"""

from __future__ import annotations

import os
import shlex
import time
import urllib.parse
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import ConnectionProblem
from annotate.studio.server import DEFAULT_DATA_DIR, read_credentials

URL_VARIABLE = "LABEL_STUDIO_URL"
KEY_VARIABLE = "LABEL_STUDIO_API_KEY"
LEGACY_DISABLED = "legacy token authentication has been disabled"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (httpx.TransportError, ConnectionError, TimeoutError)

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    """Where Label Studio is and the key to use. ``repr`` never shows the key."""

    url: str
    api_key: str = field(repr=False)
    source: str = "arguments"
    data_dir: str | None = None  # the embedded server's data folder, when the connection came from it

    def __str__(self) -> str:
        return f"Label Studio at {self.url} (from {self.source})"


class RequestRefused(ConnectionProblem):
    """Label Studio answered a request with a 4xx that retrying cannot fix."""

    def __init__(self, message: str, *, status_code: int | None, detail: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = detail


def resolve_connection(
    url: str | None = None,
    api_key: str | None = None,
    *,
    data_dir: Path | str = DEFAULT_DATA_DIR,
) -> Connection:
    """Pick the URL and key: arguments, then environment, then the embedded server's credentials."""
    url_source = "arguments" if url else "environment" if os.environ.get(URL_VARIABLE) else None
    key_source = "arguments" if api_key else "environment" if os.environ.get(KEY_VARIABLE) else None
    url = url or os.environ.get(URL_VARIABLE) or None
    api_key = api_key or os.environ.get(KEY_VARIABLE) or None
    if url:
        check_url(url)  # a malformed URL is the first thing to fix, before any missing key
    if url and api_key:
        return Connection(_normalise_url(url), api_key, _sources(url_source, key_source))

    embedded = read_credentials(data_dir)
    if embedded is not None:
        here = f"embedded server in {data_dir}"
        if api_key is None and (url is None or _same_server(url, embedded.url)):
            return Connection(_normalise_url(url or embedded.url), embedded.api_key,
                              _sources(url_source or here, here), str(data_dir))
        if url is None and api_key is not None:
            return Connection(_normalise_url(embedded.url), api_key, _sources(here, key_source), str(data_dir))
    if url and not api_key:
        raise ConnectionProblem(
            f"no API key for {url}: set {KEY_VARIABLE} (or pass --api-key) to your Label Studio "
            "token (Account & Settings in Label Studio)"
        )
    if api_key and not url:
        raise ConnectionProblem(f"an API key was given but no URL: set {URL_VARIABLE} (or pass --url)")
    raise ConnectionProblem(
        f"no Label Studio to connect to: run `{start_command(data_dir)}` for the embedded one "
        f"(data folder {data_dir}), or set {URL_VARIABLE} and {KEY_VARIABLE}"
    )


def start_command(data_dir: Path | str) -> str:
    """The command that starts the embedded server of ``data_dir``."""
    if Path(data_dir) == Path(DEFAULT_DATA_DIR):
        return "annotate server start"
    return f"annotate server start --data-dir {shlex.quote(str(data_dir))}"


def check_url(url: str) -> None:
    """Raise :class:`ConnectionProblem` unless ``url`` is an http(s) URL with a host."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConnectionProblem(
            f"{url!r} is not an http(s) URL; give the Label Studio address like http://127.0.0.1:8080 "
            f"(--url or {URL_VARIABLE})"
        )


def connect(connection: Connection, *, timeout: float = 60) -> LabelStudio:
    """An SDK client for ``connection``, checked with one cheap authenticated call.

    Every failure becomes one :class:`ConnectionProblem` line saying what to do. The SDK's own
    retries are off (``max_retries=0``): it would also repeat a POST that is not
    idempotent (an import) on a 5xx or 409. Wrap idempotent calls in :func:`call_with_retries`.
    """
    url = connection.url
    check_url(url)
    try:
        client = LabelStudio(base_url=url, api_key=connection.api_key, timeout=timeout, max_retries=0)
        client.users.whoami()
    except Exception as error:  # noqa: BLE001 - every failure becomes one clear line
        raise ConnectionProblem(_redact(_explain(error, connection, timeout), connection.api_key)) from None
    return client


def call_with_retries(
    func: Callable[..., T],
    *args: Any,
    what: str,
    attempts: int = 4,
    base_delay: float = 0.5,
    max_delay: float = 30.0,
    expected_statuses: Collection[int] = (),
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> T:
    """Call ``func(*args, **kwargs)``, retrying connection errors, timeouts, 408, 429 and 5xx.

    Only for idempotent calls. Waits ``base_delay * 2**n`` seconds (at most ``max_delay``) between
    attempts; after ``attempts`` failures raises one ConnectionProblem naming ``what``. A 4xx is not
    retried: statuses in ``expected_statuses`` re-raise the SDK's ApiError for the caller to handle,
    any other 4xx raises :class:`RequestRefused`.
    """
    for attempt in range(1, attempts + 1):
        try:
            return func(*args, **kwargs)
        except ApiError as error:
            status = error.status_code
            if status in expected_statuses:
                raise
            if status not in RETRY_STATUSES:
                raise _refused(what, error) from None
            reason = describe_failure(error)
        except RETRY_EXCEPTIONS as error:
            reason = describe_failure(error)
        if attempt < attempts:
            sleep(min(max_delay, base_delay * 2 ** (attempt - 1)))
    raise ConnectionProblem(
        f"{what} failed after {attempts} attempts: {reason}; check that Label Studio is up "
        "(`annotate server status` for the embedded one) and run the command again"
    )


def describe_failure(error: BaseException) -> str:
    """A short reason for a failed request, without headers (and so without the key)."""
    if isinstance(error, ApiError):
        detail = _detail(error.body)
        return f"HTTP {error.status_code}" + (f" ({detail})" if detail else "")
    if isinstance(error, httpx.TimeoutException):
        return f"no answer in time ({type(error).__name__})"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- explaining failures -----------------------------------------------------------------------


def _explain(error: Exception, connection: Connection, timeout: float) -> str:
    url = connection.url
    where = f"Label Studio at {url}"
    embedded = connection.source.startswith("embedded")
    if isinstance(error, httpx.TimeoutException):
        return (f"{where} did not answer within {timeout:g} s; check that it is up and not overloaded, "
                "then run the command again")
    if isinstance(error, (httpx.TransportError, ConnectionError, OSError)):
        hint = (f"start it with `{start_command(connection.data_dir or DEFAULT_DATA_DIR)}`" if embedded
                else f"check the URL ({URL_VARIABLE} or --url) and that the server is up")
        return f"cannot reach {where} ({_network_reason(error)}); {hint}"
    if isinstance(error, ApiError):
        detail = _detail(error.body)
        if error.status_code == 401 and LEGACY_DISABLED in detail.lower():
            return (f"{where} does not accept legacy tokens (disabled for its organization); use a Personal "
                    "Access Token (Account & Settings > Personal Access Token) or ask an administrator to "
                    "enable legacy tokens in the organization settings")
        if error.status_code == 401 and "expired" in detail.lower():
            return (f"the API key for {where} is a Personal Access Token that has expired; create a new one "
                    "(Account & Settings > Personal Access Token) and set it in "
                    f"{KEY_VARIABLE} or --api-key")
        if error.status_code in (401, 403):
            reason = f" ({detail})" if detail else ""
            return (f"{where} refused the API key (HTTP {error.status_code}){reason}; check {KEY_VARIABLE} "
                    "or --api-key (your token is under Account & Settings in Label Studio)")
        if error.status_code is not None and error.status_code >= 500:
            return f"{where} failed with HTTP {error.status_code}; read the server's log and try again"
        if error.status_code is None and detail:
            return f"cannot use the API key for {where}: {detail}"
        answered = ("did not answer JSON" if error.status_code is not None and error.status_code < 300
                    else f"answered HTTP {error.status_code}")
        return f"{url} does not look like Label Studio (its API {answered}); check the URL ({URL_VARIABLE} or --url)"
    if isinstance(error, ValueError):  # an answer that is not Label Studio's JSON (an HTML page, ...)
        return f"{url} does not look like Label Studio (its API did not answer JSON); check the URL ({URL_VARIABLE} or --url)"
    return f"cannot use {where}: {type(error).__name__}"


def _network_reason(error: BaseException) -> str:
    text = str(error).lower()
    if "name or service not known" in text or "nodename nor servname" in text or "name resolution" in text:
        return "host name not found"
    if "refused" in text:
        return "connection refused"
    if "ssl" in text or "certificate" in text:
        return f"TLS problem: {str(error).strip()[:160]}"
    return f"{type(error).__name__}: {str(error).strip()[:160]}" if str(error).strip() else type(error).__name__


def _refused(what: str, error: ApiError) -> RequestRefused:
    detail = _detail(error.body)
    status = error.status_code
    if status in (401, 403):
        advice = f"check the API key ({KEY_VARIABLE} or --api-key) and its permissions"
    elif status == 404:
        advice = "check that the project or item still exists"
    else:
        advice = "the request was not accepted; fix what the detail says and run the command again"
    shown = f" ({detail})" if detail else ""
    return RequestRefused(f"{what} was refused by Label Studio: HTTP {status}{shown}; {advice}",
                          status_code=status, detail=detail)


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("detail", "message", "error", "validation_errors"):
            if body.get(key):
                return _short(str(body[key]))
        return _short(str(body)) if body else ""
    return _short(str(body)) if body else ""


def _short(text: str) -> str:
    """``text`` on one line, cut to 200 characters (an HTML page only named)."""
    text = " ".join(text.split())
    if text.lstrip().startswith("<"):
        return "an HTML page"
    return text if len(text) <= 200 else text[:199] + "…"


def _redact(text: str, secret: str) -> str:
    """Hide ``secret`` in ``text`` (a key too short to be secret would only garble the message)."""
    return text.replace(secret, "***") if len(secret) >= 8 else text


def _normalise_url(url: str) -> str:
    return url.strip().rstrip("/")


def _same_server(a: str, b: str) -> bool:
    left, right = urllib.parse.urlsplit(_normalise_url(a)), urllib.parse.urlsplit(_normalise_url(b))
    local = {"localhost", "127.0.0.1", "::1"}
    same_host = left.hostname == right.hostname or {left.hostname, right.hostname} <= local
    return left.scheme == right.scheme and same_host and left.port == right.port and left.path == right.path


def _sources(url_source: str | None, key_source: str | None) -> str:
    url_source = url_source or "?"
    key_source = key_source or "?"
    return url_source if url_source == key_source else f"URL from {url_source}, key from {key_source}"

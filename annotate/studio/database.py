"""The embedded server's PostgreSQL database: its address, and a check before Label Studio starts.

``annotate server start --database postgresql://USER@HOST:PORT/NAME`` runs Label Studio on that
database. Before the server is launched, :func:`check_database` connects once and refuses, with one
line, a wrong password, an unreachable server, a missing database, a user that cannot create tables,
and a database that holds tables that are not Label Studio's (Label Studio itself would migrate
beside them without a word). The password is never part of a message, a ``repr`` or a URL shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from annotate.errors import ServerError

SCHEMES = ("postgresql", "postgres")
DEFAULT_PG_PORT = 5432
CONNECT_TIMEOUT = 10  # seconds; an address that drops packets answers nothing at all
UNREACHABLE = (
    "Connection refused", "timeout expired", "could not translate host name", "No route to host",
    "Network is unreachable", "server closed the connection", "Name or service not known",
)


@dataclass(frozen=True)
class Database:
    """A PostgreSQL database and the password to log in; ``repr`` and :attr:`url` hide the password."""

    user: str
    host: str
    port: int
    name: str
    password: str = ""

    @property
    def url(self) -> str:
        """``postgresql://USER@HOST:PORT/NAME``, never with the password."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.name, safe='')}"

    @property
    def where(self) -> str:
        return f"database {self.name!r} on {self.host}:{self.port} (user {self.user!r})"

    def environment(self) -> dict[str, str]:
        """What Label Studio reads to use this database (its environment, never its command line)."""
        return {
            "DJANGO_DB": "default",
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_PASSWORD": self.password,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }

    def __repr__(self) -> str:
        return f"Database({self.url!r}, password=***)"


def parse_database_url(text: str, password: str | None = None) -> Database:
    """``postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME`` as a :class:`Database`.

    A password in the URL wins over ``password`` (what ``PGPASSWORD`` held). Messages about a bad
    URL never repeat it: it may hold the password.
    """
    advice = "give it as postgresql://USER@HOST:PORT/NAME (the password in PGPASSWORD)"
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        raise ServerError(f"--database: not a database URL (bad host or port); {advice}") from None
    if parts.scheme not in SCHEMES:
        shown = parts.scheme or "no scheme"
        raise ServerError(f"--database: only PostgreSQL is supported, the URL has {shown}; {advice}")
    name = unquote(parts.path.lstrip("/"))
    missing = [what for what, value in (("user", parts.username), ("host", parts.hostname), ("database name", name))
               if not value]
    if missing:
        raise ServerError(f"--database: the URL has no {' and no '.join(missing)}; {advice}")
    if "/" in name or parts.query or parts.fragment:
        raise ServerError(f"--database: the URL has more than a database name after the host; {advice}")
    in_url = unquote(parts.password) if parts.password is not None else None
    return Database(
        user=unquote(parts.username or ""), host=parts.hostname or "", port=port or DEFAULT_PG_PORT,
        name=name, password=in_url if in_url is not None else (password or ""),
    )


def check_database(database: Database, *, ours: bool, timeout: float = CONNECT_TIMEOUT) -> None:
    """Refuse, with one line, a database Label Studio must not be started on.

    ``ours`` says whether this data folder already started Label Studio on it: then a database
    holding Label Studio's tables is expected; otherwise it must be empty (Label Studio's tables
    made by another data folder would come with an admin account whose password is not ours).
    """
    tables, can_create = _inspect(database, timeout)
    if not tables:
        if not can_create:
            raise ServerError(
                f"PostgreSQL user {database.user!r} may not create tables in {database.where}; make it the "
                f"database's owner (ALTER DATABASE {database.name} OWNER TO {database.user}) and start again"
            )
        return
    label_studio = "django_migrations" in tables and ("htx_user" in tables or ours)
    if label_studio and ours:
        return
    if label_studio:
        raise ServerError(
            f"{database.where} already holds a Label Studio that this data folder did not start (its "
            f"admin account is not ours); start with the data folder that created it, or give an empty database"
        )
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    raise ServerError(
        f"{database.where} is not empty and not Label Studio's ({len(tables)} other table(s): {shown}); "
        f"give an empty database (createdb -O {database.user} NAME) so that nothing in it is touched"
    )


def _inspect(database: Database, timeout: float) -> tuple[set[str], bool]:
    """The tables of the database's current schema, and whether the user may create tables there."""
    try:
        import psycopg
    except ImportError:
        raise ServerError(
            'the PostgreSQL driver psycopg is missing; install it with: pip install "annotate[server]"'
        ) from None
    try:
        connection = psycopg.connect(
            host=database.host, port=database.port, dbname=database.name, user=database.user,
            password=database.password, connect_timeout=max(1, int(timeout)),
            application_name="annotate", sslmode="prefer",
        )
    except psycopg.Error as error:
        raise ServerError(_connection_problem(database, str(error))) from None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT coalesce(has_schema_privilege(current_schema(), 'CREATE'), false)")
            row = cursor.fetchone()
            return tables, bool(row and row[0])
    except psycopg.Error as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ServerError(f"cannot read the tables of {database.where}: {first}") from None
    finally:
        connection.close()


def _connection_problem(database: Database, message: str) -> str:
    """One line for a failed connection: what happened, and what to do."""
    if "password authentication failed" in message or "no password supplied" in message:
        return (f"PostgreSQL refused the password for {database.where}; put the right one in PGPASSWORD "
                f"and start again (nothing was changed)")
    if "does not exist" in message and f'database "{database.name}"' in message:
        return (f"{database.where} does not exist; create it with: createdb -h {database.host} -p {database.port} "
                f"-O {database.user} {database.name}")
    if "role" in message and "does not exist" in message:
        return f"PostgreSQL has no user {database.user!r} ({database.where}); create it, or fix the user in --database"
    if any(sign in message for sign in UNREACHABLE):
        reason = next(sign for sign in UNREACHABLE if sign in message)
        return (f"cannot reach PostgreSQL at {database.host}:{database.port} ({reason.lower()}); start it, "
                f"or fix the host and port in --database")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    detail = lines[0] if lines else "no detail"
    if database.password:
        detail = detail.replace(database.password, "***")
    return f"cannot connect to {database.where}: {detail}"

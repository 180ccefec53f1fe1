"""Connection URLs for PostgreSQL and Redis: validated once, passwords kept off command lines.

Passwords never go into a child process's argv (visible in ``ps``): PostgreSQL tools get
``PGPASSWORD`` and redis-cli gets ``REDISCLI_AUTH`` in their environment instead, and every
message shows the URL with the password masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit, urlunsplit

from ops.errors import UsageError

if TYPE_CHECKING:
    from redis import Redis


def _split(url: str, option: str, schemes: tuple[str, ...]) -> SplitResult:
    if not url or not url.strip():
        raise UsageError(f"{option}: empty URL")
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        raise UsageError(f"{option}: malformed URL ({exc})") from exc
    if parts.scheme not in schemes:
        expected = " or ".join(f"{s}://" for s in schemes)
        raise UsageError(f"{option}: expected a URL starting with {expected}, got {_mask(parts)}")
    return parts


def _mask(parts: SplitResult) -> str:
    if parts.password is None:
        return urlunsplit(parts)
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = quote(unquote(parts.username or ""), safe="")
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _without_password(parts: SplitResult) -> str:
    if parts.password is None:
        return urlunsplit(parts)
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    netloc = f"{quote(unquote(user), safe='')}@{host}" if user else host
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True)
class PostgresUrl:
    raw: str
    host: str
    port: int
    dbname: str
    password: str | None
    safe: str  # the URL without its password, for libpq

    @property
    def display(self) -> str:
        """The URL for messages: as given, with any password masked."""
        return self.raw if self.password is None else _mask(urlsplit(self.raw))

    def env(self) -> dict[str, str]:
        return {"PGPASSWORD": self.password} if self.password is not None else {}


def parse_postgres_url(url: str, option: str = "--postgres") -> PostgresUrl:
    parts = _split(url, option, ("postgresql", "postgres"))
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise UsageError(f"{option}: the URL names no database (postgresql://HOST:PORT/DBNAME)")
    if "/" in dbname:
        raise UsageError(f"{option}: malformed database name {dbname!r}")
    password = unquote(parts.password) if parts.password is not None else None
    query = parse_qs(parts.query)
    return PostgresUrl(
        raw=url.strip(),
        host=parts.hostname or query.get("host", ["localhost"])[0],
        port=parts.port or _int(query.get("port", ["5432"])[0], option, "port"),
        dbname=dbname,
        password=password,
        safe=_without_password(parts),
    )


def _int(text: str, option: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{option}: {what} must be a number, got {text!r}") from None


@dataclass(frozen=True)
class RedisUrl:
    """``redis://``, ``rediss://`` (TLS) or ``unix:///path/redis.sock?db=N`` (a socket)."""

    raw: str
    host: str
    port: int
    db: int
    username: str | None
    password: str | None
    tls: bool
    safe: str  # the URL without its password, for redis-cli -u
    socket: str | None = None  # the Unix socket path of a unix:// URL

    @property
    def display(self) -> str:
        """The URL for messages: as given, with any password masked."""
        return self.raw if self.password is None else _mask(urlsplit(self.raw))

    def env(self) -> dict[str, str]:
        return {"REDISCLI_AUTH": self.password} if self.password is not None else {}

    def cli_argv(self) -> list[str]:
        """How redis-cli reaches this server (``-u`` takes no socket, ``-s`` does)."""
        if self.socket is not None:
            user = ["--user", self.username] if self.username else []
            return ["-s", self.socket, "-n", str(self.db), *user, "--no-auth-warning"]
        return ["-u", self.safe, "--no-auth-warning", *(["--tls"] if self.tls else [])]

    def client(self, timeout: float = 10.0, retries: int = 3) -> Redis:
        """A redis-py client; ``retries=0`` fails at once (reachability checks)."""
        import redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        where: dict[str, Any] = (
            {"unix_socket_path": self.socket}
            if self.socket is not None
            else {"host": self.host, "port": self.port, "ssl": self.tls}
        )
        return redis.Redis(
            **where,
            db=self.db,
            username=self.username,
            password=self.password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), retries),
        )


def parse_redis_url(url: str, option: str = "--redis") -> RedisUrl:
    parts = _split(url, option, ("redis", "rediss", "unix"))
    if parts.scheme == "unix":
        return _redis_socket_url(url, parts, option)
    path = parts.path.strip("/")
    try:
        db = int(path) if path else 0
    except ValueError:
        raise UsageError(
            f"{option}: database must be a number (redis://HOST:PORT/0), got {path!r}"
        ) from None
    if db < 0:
        raise UsageError(f"{option}: database must be >= 0")
    return RedisUrl(
        raw=url.strip(),
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=parts.scheme == "rediss",
        safe=_without_password(parts),
    )


def _redis_socket_url(url: str, parts: SplitResult, option: str) -> RedisUrl:
    if not parts.path.startswith("/"):
        raise UsageError(f"{option}: expected unix:///ABSOLUTE/PATH/redis.sock?db=N")
    db = _int(parse_qs(parts.query).get("db", ["0"])[0], option, "db")
    if db < 0:
        raise UsageError(f"{option}: database must be >= 0")
    return RedisUrl(
        raw=url.strip(),
        host="localhost",
        port=0,
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=False,
        safe=_without_password(parts),
        socket=unquote(parts.path),
    )

"""The console's users, their API tokens and sessions, failed logins, and the log of what each user changed.

Rows only: which role may see or do what, how a password is hashed and when logins are throttled are decided in
tasks.access. Secrets are never stored: a password as its argon2 hash, an API token and a session id as their
SHA-256 (they are long random values, so a fast hash is enough, and a copy of the database opens nothing).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, col, func, select

from models.tables import utcnow


class ConsoleUser(SQLModel, table=True):
    __tablename__ = "console_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    role: str  # county | township | department | supervisor
    scope: str = ""  # a township code or a department key; empty for the county and supervisors
    name: str = ""  # 姓名
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    disabled_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    token_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class ConsoleSession(SQLModel, table=True):
    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    session_hash: str = Field(unique=True)
    csrf_token: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    client: str = Field(index=True)  # the client's address
    at: datetime = Field(default_factory=utcnow, index=True)


class UserAction(SQLModel, table=True):
    """One change a user made: who, when, what, on which object, through which channel (web, api, cli)."""

    __tablename__ = "user_action"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True)
    action: str
    target: str = ""
    detail: str = "{}"  # JSON
    channel: str
    at: datetime = Field(default_factory=utcnow, index=True)


# -- users ------------------------------------------------------------------------------------------------------


def find_user(session: Session, *, username: str) -> ConsoleUser | None:
    return session.exec(select(ConsoleUser).where(ConsoleUser.username == username)).first()


def add_user(session: Session, *, username: str, role: str, scope: str, name: str, password_hash: str) -> ConsoleUser:
    row = ConsoleUser(username=username, role=role, scope=scope, name=name, password_hash=password_hash)
    session.add(row)
    session.flush()
    return row


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.exec(select(ConsoleUser).order_by(col(ConsoleUser.id))))


def disable_user(session: Session, *, user: ConsoleUser, at: datetime) -> None:
    """Disable a user and end their sessions; their tokens stay stored but open nothing (the user is disabled)."""
    user.disabled_at = at
    session.add(user)
    session.exec(delete(ConsoleSession).where(col(ConsoleSession.user_id) == user.id))


def set_password_hash(session: Session, *, user: ConsoleUser, password_hash: str) -> None:
    user.password_hash = password_hash
    session.add(user)


# -- API tokens and sessions ------------------------------------------------------------------------------------


def add_token(session: Session, *, user_id: int, token_hash: str) -> ApiToken:
    row = ApiToken(user_id=user_id, token_hash=token_hash)
    session.add(row)
    session.flush()
    return row


def user_of_token(session: Session, *, token_hash: str) -> ConsoleUser | None:
    statement = select(ConsoleUser).join(ApiToken, col(ApiToken.user_id) == col(ConsoleUser.id))
    return session.exec(statement.where(ApiToken.token_hash == token_hash)).first()


def add_session(
    session: Session, *, user_id: int, session_hash: str, csrf_token: str, expires_at: datetime
) -> ConsoleSession:
    row = ConsoleSession(user_id=user_id, session_hash=session_hash, csrf_token=csrf_token, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def delete_expired_sessions(session: Session, *, now: datetime) -> None:
    session.exec(delete(ConsoleSession).where(col(ConsoleSession.expires_at) <= now))


def find_session(session: Session, *, session_hash: str) -> tuple[ConsoleSession, ConsoleUser] | None:
    statement = select(ConsoleSession, ConsoleUser).join(
        ConsoleUser, col(ConsoleUser.id) == col(ConsoleSession.user_id)
    )
    found = session.exec(statement.where(ConsoleSession.session_hash == session_hash)).first()
    return (found[0], found[1]) if found else None


def delete_session(session: Session, *, session_hash: str) -> None:
    session.exec(delete(ConsoleSession).where(col(ConsoleSession.session_hash) == session_hash))


# -- failed logins ----------------------------------------------------------------------------------------------


def add_login_failure(session: Session, *, username: str, client: str, at: datetime) -> None:
    session.add(LoginFailure(username=username, client=client, at=at))


def login_failures_since(session: Session, *, username: str, client: str, since: datetime) -> tuple[int, int]:
    """(failures for this username, failures from this client) at or after `since`."""
    recent = select(func.count()).select_from(LoginFailure).where(col(LoginFailure.at) >= since)
    by_name = session.exec(recent.where(LoginFailure.username == username)).one()
    by_client = session.exec(recent.where(LoginFailure.client == client)).one()
    return int(by_name), int(by_client)


def delete_login_failures_before(session: Session, *, before: datetime) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.at) < before))


def clear_login_failures(session: Session, *, username: str) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.username) == username))


# -- the log of changes -----------------------------------------------------------------------------------------


def log_action(session: Session, *, username: str, action: str, target: str, detail: str, channel: str) -> UserAction:
    row = UserAction(username=username, action=action, target=target, detail=detail, channel=channel)
    session.add(row)
    return row


def actions(session: Session) -> list[UserAction]:
    return list(session.exec(select(UserAction).order_by(col(UserAction.at), col(UserAction.id))))

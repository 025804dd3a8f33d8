"""The console's accounts as use cases: add, list and disable users, issue API tokens, log in (throttled),
sessions and logging out. Time is a parameter (`now`, aware UTC); the CLI and the web pass the wall clock.

Secrets: a password is kept as its argon2 hash; an API token and a session id are random values shown once (the
token to the person who asked for it, the session id in an HttpOnly cookie) and stored as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from models.users import (
    ConsoleUser,
    add_login_failure,
    add_session,
    add_token,
    add_user,
    clear_login_failures,
    delete_expired_sessions,
    delete_login_failures_before,
    delete_session,
    disable_user,
    find_session,
    find_user,
    list_users,
    login_failures_since,
    set_password_hash,
    user_of_token,
)
from tasks.access.audit import log_change, utc_iso
from tasks.access.passwords import hash_password, needs_rehash, verify_password
from tasks.access.roles import Principal, UserError, check_password, check_role, check_username, resolve_scope
from tasks.workspace import Workspace

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
SESSION_HOURS = 12  # one working day; then the user logs in again
# Throttling: this many failed logins for one username, or from one client, within the window refuse every
# further attempt (a right password too) until the window has passed. Guessing stays at a few tries an hour.
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_CLIENT = 20
THROTTLE_WINDOW = timedelta(minutes=15)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def principal_of(user: ConsoleUser) -> Principal:
    return Principal(user.id or 0, user.username, check_role(user.role), user.scope, user.name)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- managing users (the command line) --------------------------------------------------------------------------


def create_user(
    ws: Workspace, *, username: str, role: str, scope: str | None, name: str, password: str, by: str, channel: str
) -> dict[str, Any]:
    """Add a user after every check; raises UserError with the reason in Chinese. Returns the user as listed."""
    _campaign_id, campaign = ws.campaign()
    checked_role = check_role(role)
    stored_scope = resolve_scope(campaign, checked_role, scope)
    check_username(username)
    check_password(password)
    with ws.session() as session:
        if find_user(session, username=username) is not None:
            raise UserError(f"用户名“{username}”已存在")
        row = add_user(
            session,
            username=username,
            role=checked_role,
            scope=stored_scope,
            name=name.strip(),
            password_hash=hash_password(password),
        )
        log_change(session, who=by, action="user_add", target=username, channel=channel,
                   detail={"role": checked_role, "scope": stored_scope})  # fmt: skip
        return user_json(row)


def user_json(row: ConsoleUser) -> dict[str, Any]:
    """A user as `canbao users list --json` shows them (never the hash)."""
    return {
        "username": row.username,
        "role": row.role,
        "scope": row.scope or None,
        "name": row.name,
        "created_at": utc_iso(row.created_at),
        "disabled": row.disabled_at is not None,
        "disabled_at": utc_iso(row.disabled_at) if row.disabled_at else None,
    }


def all_users(ws: Workspace) -> list[dict[str, Any]]:
    with ws.session() as session:
        return [user_json(r) for r in list_users(session)]


def disable(ws: Workspace, *, username: str, by: str, channel: str, now: datetime) -> bool:
    """Disable a user (their sessions end, their tokens stop working); False if they were disabled already."""
    with ws.session() as session:
        user = _existing(session, username)
        if user.disabled_at is not None:
            return False
        disable_user(session, user=user, at=now)
        log_change(session, who=by, action="user_disable", target=username, channel=channel)
        return True


def issue_token(ws: Workspace, *, username: str, by: str, channel: str) -> str:
    """A new personal API token for an active user: returned once, stored as its hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with ws.session() as session:
        user = _existing(session, username)
        if user.disabled_at is not None:
            raise UserError(f"用户“{username}”已停用，不能生成接口令牌")
        row = add_token(session, user_id=user.id or 0, token_hash=secret_hash(token))
        log_change(session, who=by, action="token_issue", target=username, channel=channel,
                   detail={"token_id": row.id})  # fmt: skip
    return token


def _existing(session: Any, username: str) -> ConsoleUser:
    user = find_user(session, username=username)
    if user is None:
        raise UserError(f"没有用户“{username}”（运行 canbao users list 查看）")
    return user


# -- logging in -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    principal: Principal | None
    throttled: bool = False


def log_in(ws: Workspace, *, username: str, password: str, client: str, now: datetime) -> Login:
    """Check a login. A wrong password, an unknown or disabled user look alike; while throttled, nothing is
    checked at all."""
    with ws.session() as session:
        per_user, per_client = login_failures_since(
            session, username=username, client=client, since=now - THROTTLE_WINDOW
        )
        if per_user >= MAX_FAILURES_PER_USER or per_client >= MAX_FAILURES_PER_CLIENT:
            return Login(None, throttled=True)
        user = find_user(session, username=username)
        good = verify_password(user.password_hash if user else None, password)
        if user is None or not good or user.disabled_at is not None:
            delete_login_failures_before(
                session, before=now - THROTTLE_WINDOW
            )  # counted no more: the table stays small
            add_login_failure(session, username=username, client=client, at=now)
            return Login(None)
        if needs_rehash(user.password_hash):
            set_password_hash(session, user=user, password_hash=hash_password(password))
        clear_login_failures(session, username=username)
        return Login(principal_of(user))


@dataclass(frozen=True)
class OpenSession:
    session_id: str  # the cookie's value
    csrf_token: str
    expires_at: datetime


def open_session(
    ws: Workspace, principal: Principal, *, channel: str, now: datetime, replacing: str = ""
) -> OpenSession:
    """A new session for a principal who just logged in; `replacing`, the browser's earlier session id, ends."""
    session_id, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + timedelta(hours=SESSION_HOURS)
    with ws.session() as session:
        delete_expired_sessions(session, now=now)
        if replacing:
            delete_session(session, session_hash=secret_hash(replacing))
        add_session(
            session,
            user_id=principal.user_id,
            session_hash=secret_hash(session_id),
            csrf_token=csrf,
            expires_at=expires,
        )
        log_change(session, who=principal.username, action="login", target=principal.username, channel=channel)
    return OpenSession(session_id, csrf, expires)


def session_principal(ws: Workspace, session_id: str, *, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session of an active user, or None."""
    if not session_id or len(session_id) > 128:
        return None
    with ws.session() as session:
        found = find_session(session, session_hash=secret_hash(session_id))
        if found is None:
            return None
        row, user = found
        if _aware(row.expires_at) <= now or user.disabled_at is not None:
            return None
        return principal_of(user), row.csrf_token


def close_session(ws: Workspace, session_id: str, principal: Principal, *, channel: str) -> None:
    with ws.session() as session:
        delete_session(session, session_hash=secret_hash(session_id))
        log_change(session, who=principal.username, action="logout", target=principal.username, channel=channel)


def token_principal(ws: Workspace, token: str) -> Principal | None:
    """The active user a personal API token belongs to, or None."""
    if not token or len(token) > 128:
        return None
    with ws.session() as session:
        user = user_of_token(session, token_hash=secret_hash(token))
        if user is None or user.disabled_at is not None:
            return None
        return principal_of(user)

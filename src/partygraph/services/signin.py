"""Signing in to the admin: server-side sessions, throttling of failed attempts, lockouts.

Sessions. The cookie carries a random session id (32 bytes); the `login_session` row holds
its SHA-256 digest, the account and the times. A request is signed in while the row is not
ended, was seen within `session_idle_timeout` and began within `session_max_age`; all three
are checked in the one statement that also reads the viewer (`viewer_for_session`), so a
signed-in request costs one SELECT, plus an UPDATE of `last_seen_at` at most once a minute.
Signing out, and account administration (`end_sessions`: deactivation, a password reset or
change, a role change), end the rows: a copied cookie stops working at once.

Throttling. Every submitted sign-in is an attempt row keyed by the name typed (lower-cased)
and the client's address, whether or not such an account exists, and an unknown name is
checked against a dummy hash (services.account.authenticate): both answer the same and take
as long. Failures since the window start (or the name's last success, or the key's last
lockout) slow the answer down, then lock the name (`signin_account_failures`) or the address
(`signin_address_failures`) for `signin_lockout` seconds. A lockout is audited (on the
account when one has that name) and the county administration sees and may lift it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.sql.sqltypes import UTCDateTime

from partygraph.config import Settings
from partygraph.context import Context, Viewer
from partygraph.errors import ConflictError, NotAllowedError, NotFoundError, violation
from partygraph.models.account import Account, Role
from partygraph.models.common import table_of, utcnow
from partygraph.models.organization import Organization
from partygraph.models.session import LoginSession, SignInAttempt, SignInLockout
from partygraph.services.account import authenticate
from partygraph.services.base import record

SESSION_ID_LENGTH = 43  # secrets.token_urlsafe(32)
TOUCH_EVERY = timedelta(minutes=1)
MAX_DELAY_SECONDS = 3.0
ACCOUNT, ADDRESS = "account", "address"

# Why a session ended (login_session.ended_reason); account administration passes its own.
SIGNED_OUT = "signed_out"
DEACTIVATED = "deactivated"
PASSWORD_CHANGED = "password_changed"
ROLE_CHANGED = "role_changed"


def _now() -> datetime:
    """The time every check here uses; tests move it."""
    return utcnow()


# --- sessions -----------------------------------------------------------------------------------


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def looks_like_session_id(value: str | None) -> bool:
    return value is not None and len(value) == SESSION_ID_LENGTH and value.replace("-", "").replace("_", "").isalnum()


def csrf_for(secret_key: str, session_id: str) -> str:
    """The CSRF token of a session: derived, so the cookie needs to carry nothing else."""
    return hmac.new(secret_key.encode(), b"csrf|" + session_id.encode(), hashlib.sha256).hexdigest()


def start_session(session: Session, account_id: int, *, address: str | None = None, user_agent: str | None = None) -> str:
    """A new session for an account that just proved its password; returns the cookie's value.
    Always a fresh id: an id planted in the browser before sign-in is never promoted."""
    session_id = new_session_id()
    now = _now()
    session.add(
        LoginSession(
            id_hash=session_digest(session_id), account_id=account_id, created_at=now, last_seen_at=now,
            address=(address or "")[:64] or None, user_agent=(user_agent or "")[:200] or None,
        )
    )  # fmt: skip
    session.flush()
    return session_id


# The viewer of a live session, in one statement: the columns of
# services.account.viewer_for_account_id, joined from the session row by its unique digest.
# Plain SQL like that one (a Core select measured ~1.5x slower to build and run here); the
# times are bound and read through the columns' own type, UTC on both databases.
_SESSION_VIEWER = (
    text(
        """
SELECT a.id, a.username, a.display_name, a.role, o.id AS org_id, o.path, s.id AS session_row, s.last_seen_at
FROM login_session s JOIN account a ON a.id = s.account_id JOIN organization o ON o.id = a.org_id
WHERE s.id_hash = :digest AND s.ended_at IS NULL AND s.last_seen_at > :idle_cutoff
  AND s.created_at > :age_cutoff AND a.active = :yes
"""
    )
    .bindparams(bindparam("idle_cutoff", type_=UTCDateTime()), bindparam("age_cutoff", type_=UTCDateTime()))
    .columns(last_seen_at=UTCDateTime())
)
_TOUCH = (
    update(LoginSession)
    .where(col(LoginSession.id) == bindparam("sid"))
    .values(last_seen_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


def viewer_for_session(session: Session, session_id: str | None, settings: Settings) -> Viewer | None:
    """The viewer of a signed-in session, or None (no such session, ended, idle too long, too
    old, or the account deactivated)."""
    if not looks_like_session_id(session_id):
        return None
    assert session_id is not None
    now = _now()
    row = session.execute(
        _SESSION_VIEWER,
        {
            "digest": session_digest(session_id),
            "idle_cutoff": now - timedelta(seconds=settings.session_idle_timeout),
            "age_cutoff": now - timedelta(seconds=settings.session_max_age),
            "yes": True,
        },
    ).first()
    if row is None:
        return None
    if now - row[7] >= TOUCH_EVERY:
        # Once a minute at most: the idle clock needs no finer grain, and most requests stay reads.
        session.execute(_TOUCH, {"now": now, "sid": row[6]})
        session.commit()
    role = Role(row[3])
    return Viewer(
        account_id=row[0], username=row[1], display_name=row[2], role=role,
        org_id=row[4], org_path=row[5], read_only=role == Role.viewer,
    )  # fmt: skip


def end_session(session: Session, session_id: str | None, reason: str = SIGNED_OUT) -> bool:
    """End one session (signing out). The caller commits."""
    if not looks_like_session_id(session_id):
        return False
    assert session_id is not None
    result = session.execute(
        update(LoginSession)
        .where(col(LoginSession.id_hash) == session_digest(session_id), col(LoginSession.ended_at).is_(None))
        .values(ended_at=_now(), ended_reason=reason[:40])
    )
    return bool(getattr(result, "rowcount", 0))


def end_sessions(session: Session, account_id: int, reason: str) -> int:
    """End every live session of an account (deactivated, password reset or changed, role
    changed); returns how many. In the caller's transaction: the caller commits."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE answers a CursorResult (rowcount)
        update(LoginSession)
        .where(col(LoginSession.account_id) == account_id, col(LoginSession.ended_at).is_(None))
        .values(ended_at=_now(), ended_reason=reason[:40])
    )
    return result.rowcount


# --- throttling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    account: Account | None
    locked: bool = False
    # Seconds the answer should wait (awaited by the caller, never slept on a worker thread).
    delay: float = 0.0


def normalised_name(username: str) -> str:
    return username.strip().lower()[:60]


def _active_lockout(session: Session, name: str, address: str, now: datetime) -> SignInLockout | None:
    return session.execute(
        select(SignInLockout)
        .where(
            or_(
                (col(SignInLockout.kind) == ACCOUNT) & (col(SignInLockout.key) == name),
                (col(SignInLockout.kind) == ADDRESS) & (col(SignInLockout.key) == address),
            ),
            col(SignInLockout.lifted_at).is_(None),
            col(SignInLockout.until) > now,
        )
        .limit(1)
    ).scalar()


def _failures(session: Session, kind: str, key: str, window_start: datetime) -> int:
    """Failed attempts of a name or an address counted toward a lockout: since the window
    start and after the key's last lockout (or its lifting); for a name also after its last
    success."""
    column = col(SignInAttempt.username) if kind == ACCOUNT else col(SignInAttempt.address)
    last_lockout = (
        select(func.max(func.coalesce(col(SignInLockout.lifted_at), col(SignInLockout.started_at))))
        .where(col(SignInLockout.kind) == kind, col(SignInLockout.key) == key)
        .scalar_subquery()
    )
    conditions = [
        column == key,
        col(SignInAttempt.succeeded).is_(False),
        col(SignInAttempt.at) > window_start,
        col(SignInAttempt.at) > func.coalesce(last_lockout, window_start),
    ]
    if kind == ACCOUNT:
        last_success = (
            select(func.max(col(SignInAttempt.at)))
            .where(col(SignInAttempt.username) == key, col(SignInAttempt.succeeded).is_(True))
            .scalar_subquery()
        )
        conditions.append(col(SignInAttempt.at) > func.coalesce(last_success, window_start))
    return session.execute(select(func.count()).select_from(SignInAttempt).where(*conditions)).scalar_one()


def sign_in(session: Session, settings: Settings, username: str, password: str, *, address: str) -> SignInResult:
    """Check a sign-in and record the attempt; the caller commits. A locked name or address
    is refused before the password is looked at, whether or not the account exists."""
    name = normalised_name(username)
    address = (address or "unknown")[:64]
    now = _now()
    if _active_lockout(session, name, address, now) is not None:
        return SignInResult(None, locked=True)
    account = authenticate(session, username, password)
    session.add(SignInAttempt(at=now, username=name, address=address, account_id=account.id if account else None, succeeded=account is not None))
    session.flush()
    if account is not None:
        return SignInResult(account)
    window_start = now - timedelta(seconds=settings.signin_window)
    by_name = _failures(session, ACCOUNT, name, window_start)
    by_address = _failures(session, ADDRESS, address, window_start)
    locked = False
    for kind, key, count, limit in (
        (ACCOUNT, name, by_name, settings.signin_account_failures),
        (ADDRESS, address, by_address, settings.signin_address_failures),
    ):
        if count >= limit:
            _lock(session, settings, kind, key, count, now)
            locked = True
    delay = min(MAX_DELAY_SECONDS, settings.signin_delay_ms / 1000 * max(0, max(by_name, by_address) - 1))
    return SignInResult(None, locked=locked, delay=delay)


def _lock(session: Session, settings: Settings, kind: str, key: str, failures: int, now: datetime) -> SignInLockout:
    account = None
    if kind == ACCOUNT:
        account = session.execute(select(Account).where(func.lower(col(Account.username)) == key)).scalars().first()
    lockout = SignInLockout(
        kind=kind, key=key, account_id=account.id if account else None, failures=failures,
        started_at=now, until=now + timedelta(seconds=settings.signin_lockout),
    )  # fmt: skip
    session.add(lockout)
    session.flush()
    after = {"kind": kind, "key": key, "failures": failures, "until": lockout.until.isoformat(), "lockout_id": lockout.id}
    ctx = Context(session=session, settings=settings, viewer=None)
    if account is not None:
        record(ctx, "sign_in_locked", "account", account.id, _org_path(session, account.org_id), None, after)
    else:
        record(ctx, "sign_in_locked", "sign_in_lockout", lockout.id, "", None, after)
    return lockout


def _org_path(session: Session, org_id: int) -> str:
    return session.execute(select(col(Organization.path)).where(col(Organization.id) == org_id)).scalar_one()


# --- the county's view of lockouts ---------------------------------------------------------------


@dataclass(frozen=True)
class LockoutRow:
    id: int
    kind: str
    key: str
    account_id: int | None
    account_name: str | None
    failures: int
    started_at: datetime
    until: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    version: int
    active: bool


def _require_county(ctx: Context, *, write: bool) -> Viewer:
    viewer = ctx.viewer
    if viewer is None or viewer.role != Role.county or (write and not viewer.can_write):
        raise NotAllowedError("只有县委组织部账号可以管理登录锁定", "Only county organisation department accounts manage sign-in lockouts")
    return viewer


def lockouts(ctx: Context, *, include_ended: bool = False, limit: int = 200) -> list[LockoutRow]:
    """Lockouts newest first: the live ones, or also the lifted and expired ones. Lockouts of
    accounts outside the viewer's subtree are left out; those of addresses and unknown names
    belong to no organisation and every county account sees them."""
    viewer = _require_county(ctx, write=False)
    now = _now()
    lifter = table_of(Account).alias("lifter")
    query = (
        select(SignInLockout, col(Account.display_name), col(Account.username), col(Organization.path), lifter.c.username)
        .outerjoin(Account, col(Account.id) == col(SignInLockout.account_id))
        .outerjoin(Organization, col(Organization.id) == col(Account.org_id))
        .outerjoin(lifter, lifter.c.id == col(SignInLockout.lifted_by_id))
        .order_by(col(SignInLockout.started_at).desc(), col(SignInLockout.id).desc())
        .limit(limit)
    )
    if not include_ended:
        query = query.where(col(SignInLockout.lifted_at).is_(None), col(SignInLockout.until) > now)
    out = []
    for lock, display, username, path, lifted_by in ctx.session.execute(query):
        if path is not None and not viewer.sees(path):
            continue
        out.append(
            LockoutRow(
                id=lock.id, kind=lock.kind, key=lock.key, account_id=lock.account_id,
                account_name=f"{display}（{username}）" if username else None, failures=lock.failures,
                started_at=lock.started_at, until=lock.until, lifted_at=lock.lifted_at, lifted_by=lifted_by,
                version=lock.version, active=lock.lifted_at is None and lock.until > now,
            )
        )  # fmt: skip
    return out


def lift_lockout(ctx: Context, lockout_id: int, *, version: int | None = None) -> LockoutRow:
    """The county lifts a live lockout: the name or address may try again at once, its earlier
    failures no longer count. Audited on the account (or the lockout)."""
    viewer = _require_county(ctx, write=True)
    lock = ctx.session.get(SignInLockout, lockout_id)
    path, account_name = "", None
    if lock is not None and lock.account_id is not None:
        account = ctx.session.get(Account, lock.account_id)
        if account is not None:
            path = _org_path(ctx.session, account.org_id)
            account_name = f"{account.display_name}（{account.username}）"
        if not viewer.sees(path):
            lock = None
    if lock is None:
        raise NotFoundError("登录锁定", lockout_id, "id", type_en="Sign-in lockout")
    now = _now()
    if lock.lifted_at is not None or lock.until <= now:
        raise violation("LOCKOUT_ENDED", "该锁定已结束，无需解除", "That lockout has already ended", "id")
    if version is not None and version != lock.version:
        raise ConflictError("登录锁定", version, lock.version, type_en="Sign-in lockout")
    # Compare-and-set: two administrators lifting at once write one lifting, not two.
    result: CursorResult[Any] = ctx.session.execute(  # type: ignore[assignment]  # an UPDATE answers a CursorResult (rowcount)
        update(SignInLockout)
        .where(col(SignInLockout.id) == lock.id, col(SignInLockout.version) == lock.version, col(SignInLockout.lifted_at).is_(None))
        .values(lifted_at=now, lifted_by_id=viewer.account_id, version=lock.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError("登录锁定", lock.version, lock.version + 1, type_en="Sign-in lockout")
    ctx.session.refresh(lock)
    before = {"lifted_at": None}
    after = {"lifted_at": now.isoformat(), "lockout_id": lock.id, "kind": lock.kind, "key": lock.key}
    if lock.account_id is not None:
        record(ctx, "sign_in_unlocked", "account", lock.account_id, path, before, after)
    else:
        record(ctx, "sign_in_unlocked", "sign_in_lockout", lock.id, "", before, after)
    return LockoutRow(
        id=lock.id, kind=lock.kind, key=lock.key, account_id=lock.account_id, account_name=account_name,
        failures=lock.failures, started_at=lock.started_at, until=lock.until, lifted_at=lock.lifted_at,
        lifted_by=viewer.username, version=lock.version, active=False,
    )  # fmt: skip

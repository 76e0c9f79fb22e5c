"""Accounts, passwords (argon2) and API tokens (stored as SHA-256 digests), and their
administration in the product.

Who administers whom (docs/domain.md §1: every user changes only their own subtree; the county
organisation department, the township clerks and the village clerks are the writing roles):

- a county account (县委组织部) administers accounts of every role, the county's own
  included, at any organisation of its subtree: the department administers itself;
- a township account (乡镇党委组织委员) administers township, village, group-leader and
  read-only accounts at organisations of its township (its colleagues on the committee,
  the village clerks, the group leaders, read-only viewers of the township);
- a village account (村党支部书记/组织委员) administers only the party-group leaders'
  accounts at organisations of its branch: a branch secretary's own account, and any other
  village clerk's, is the township's responsibility;
- group leaders and read-only viewers administer nobody, and neither does a read-only token.

"Administer" = create, change role or home organisation, deactivate, reactivate and reset
the password. The role given is never above what the administrator may give (above), the
home organisation never outside the administrator's subtree, and nobody changes their own
role or home organisation, deactivates themselves or resets their own password (they change
it, knowing the old one). Accounts outside the viewer's subtree answer "not found".
API tokens: everyone lists, creates and revokes their own; a county account also lists and
revokes the tokens of the accounts in its subtree. Every change is audited on the account
(object type "Account"); a password never appears in the audit, only that it changed.

Rule codes: R-ACC-01 may not administer accounts, R-ACC-02 role above what you may give,
R-ACC-03 the account's role is above what you administer, R-ACC-04 username format,
R-ACC-05 username taken, R-ACC-06 password too short or too long, R-ACC-07 password equal
to the username or to the current password, R-ACC-08 not on your own account,
R-ACC-09 already (in)active, R-ACC-10 home organisation dissolved, R-ACC-11 wrong current
password, R-ACC-12 token already revoked, R-ACC-13 token of another account (county only).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, text
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from partygraph.context import Context, Viewer
from partygraph.errors import ConflictError, NotAllowedError, NotFoundError, violation
from partygraph.models.account import Account, ApiToken, Role
from partygraph.models.common import utcnow
from partygraph.models.organization import Organization, OrgStatus

_hasher = PasswordHasher()
TOKEN_PREFIX = "pg_"
# A constant hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def viewer_for(session: Session, account: Account, *, read_only: bool = False) -> Viewer:
    org = session.get(Organization, account.org_id)
    assert org is not None
    return Viewer(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=Role(account.role),
        org_id=org.id,
        org_path=org.path,
        read_only=read_only or account.role == Role.viewer,
    )


def create_account(
    session: Session, *, username: str, password: str, role: str, org_id: int, display_name: str | None = None
) -> Account:
    username = username.strip()
    if not username:
        raise violation("INVALID_INPUT", "用户名不能为空", "Username must not be empty", "username")
    if len(password) < 8:
        raise violation("INVALID_INPUT", "密码至少 8 位", "Passwords have at least 8 characters", "password")
    try:
        Role(role)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知角色：{role}", f"Unknown role: {role}", "role") from None
    if session.execute(select(col(Account.id)).where(col(Account.username) == username)).scalar() is not None:
        raise violation("DUPLICATE", f"用户名 {username} 已存在", f"Username {username} exists", "username")
    if session.get(Organization, org_id) is None:
        raise violation("INVALID_INPUT", "所属组织不存在", "Home organisation does not exist", "orgId")
    account = Account(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        org_id=org_id,
    )
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, username: str, password: str) -> Account | None:
    account = session.execute(
        select(Account).where(col(Account.username) == username.strip(), col(Account.active).is_(True))
    ).scalar()
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    account.last_login_at = utcnow()
    return account


def create_token(session: Session, username: str, *, label: str | None = None, read_only: bool = False) -> str:
    account = session.execute(select(Account).where(col(Account.username) == username)).scalar()
    if account is None:
        raise violation("NOT_FOUND", f"没有用户 {username}", f"No account named {username}", "username")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(account_id=account.id, token_hash=token_digest(token), label=label, read_only=read_only))
    session.flush()
    return token


# Who is asking, in one statement per request (the ORM's three loads cost ~1 ms of a
# request that otherwise takes ~2 ms over HTTP). Table and column names are the models'.
_VIEWER_SQL = """
SELECT a.id, a.username, a.display_name, a.role, o.id, o.path{extra}
FROM account a JOIN organization o ON o.id = a.org_id {join}
WHERE a.active = :yes AND {where}
"""
_TOKEN_VIEWER = text(
    _VIEWER_SQL.format(
        extra=", t.read_only",
        join="JOIN api_token t ON t.account_id = a.id",
        where="t.token_hash = :digest AND t.revoked_at IS NULL",
    )
)
_SESSION_VIEWER = text(_VIEWER_SQL.format(extra="", join="", where="a.id = :account_id"))


def _viewer_of_row(row: Any, *, read_only: bool) -> Viewer:
    role = Role(row[3])
    return Viewer(
        account_id=row[0], username=row[1], display_name=row[2], role=role,
        org_id=row[4], org_path=row[5], read_only=read_only or role == Role.viewer,
    )  # fmt: skip


def viewer_for_token(session: Session, token: str) -> Viewer | None:
    row = session.execute(_TOKEN_VIEWER, {"digest": token_digest(token), "yes": True}).first()
    return None if row is None else _viewer_of_row(row, read_only=bool(row[6]))


def viewer_for_account_id(session: Session, account_id: int) -> Viewer | None:
    """The viewer of an active account (a signed-in admin session), or None."""
    row = session.execute(_SESSION_VIEWER, {"account_id": account_id, "yes": True}).first()
    return None if row is None else _viewer_of_row(row, read_only=False)


def revoke_token(session: Session, token_id: int) -> None:
    tok = session.get(ApiToken, token_id)
    if tok is not None and tok.revoked_at is None:
        tok.revoked_at = utcnow()


# --- administration in the product ---------------------------------------------------------------

ALL_ROLES = frozenset(Role)
# What each role may give and administer (see the module docstring for why).
ADMINISTERED_ROLES: dict[Role, frozenset[Role]] = {
    Role.county: ALL_ROLES,
    Role.township: frozenset({Role.township, Role.village, Role.group, Role.viewer}),
    Role.village: frozenset({Role.group}),
}
ACCOUNT_AUDIT_FIELDS = ["username", "display_name", "role", "org_id", "active", "must_change_password"]
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,59}$")
MAX_PASSWORD = 128
# No 0/O, 1/l/I: a one-time password is read off paper or a screen and typed by hand.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _refused(code: str, zh: str, en: str) -> NotAllowedError:
    error = NotAllowedError(zh, en)
    error.code = code
    return error


def administered_roles(viewer: Viewer | None) -> frozenset[Role]:
    """The roles this viewer may give and administer; empty for read-only viewers and tokens."""
    if viewer is None or viewer.read_only:
        return frozenset()
    return ADMINISTERED_ROLES.get(viewer.role, frozenset())


def may_administer(viewer: Viewer | None, role: str, org_path: str) -> bool:
    """Whether the viewer administers an account of this role homed at this path."""
    return viewer is not None and viewer.sees(org_path) and role in administered_roles(viewer)


def require_admin(ctx: Context) -> Viewer:
    viewer = ctx.viewer
    if viewer is None:
        raise NotAllowedError("请先登录", "Sign in first")
    if not administered_roles(viewer):
        raise _refused("R-ACC-01", "当前账号不能管理账号", "This account may not administer accounts")
    return viewer


def _require_self(ctx: Context) -> tuple[Viewer, Account]:
    """The signed-in account itself, for changes to one's own password and tokens. A read-only
    token of a writing account may not make them (a viewer's whole account is read-only anyway)."""
    viewer = ctx.viewer
    if viewer is None or viewer.account_id is None:
        raise NotAllowedError("请先登录", "Sign in first")
    if viewer.read_only and viewer.role != Role.viewer:
        raise NotAllowedError("只读令牌不能修改账号", "A read-only token cannot change the account")
    account = ctx.session.get(Account, viewer.account_id)
    if account is None or not account.active:
        raise NotAllowedError("请先登录", "Sign in first")
    return viewer, account


def _end_sessions(ctx: Context, account_id: int, reason: str) -> int:
    """End the account's admin sessions, in this transaction. Imported here because
    services.signin imports this module."""
    from partygraph.services import signin

    return signin.end_sessions(ctx.session, account_id, getattr(signin, reason.upper(), reason))


def _org_of(ctx: Context, account: Account) -> Organization:
    org = ctx.session.get(Organization, account.org_id)
    assert org is not None  # a foreign key
    return org


def get_account(ctx: Context, account_id: int) -> tuple[Account, Organization]:
    """An account whose home lies in the viewer's subtree (anything else is not found)."""
    account = ctx.session.get(Account, account_id)
    viewer = ctx.viewer
    if account is not None and viewer is not None:
        org = _org_of(ctx, account)
        if viewer.sees(org.path) or account.id == viewer.account_id:
            return account, org
    raise NotFoundError("账号", account_id, "id", type_en="Account")


def _managed(ctx: Context, account_id: int, *, self_code_zh: str, self_code_en: str) -> tuple[Viewer, Account, Organization]:
    viewer = require_admin(ctx)
    account, org = get_account(ctx, account_id)
    if account.id == viewer.account_id:
        raise violation("R-ACC-08", self_code_zh, self_code_en, "id")
    if not viewer.sees(org.path):  # one's own account outside one's subtree cannot happen, but:
        raise NotFoundError("账号", account_id, "id", type_en="Account")
    if account.role not in administered_roles(viewer):
        raise _refused(
            "R-ACC-03",
            "该账号的角色高于您可管理的角色，不能修改",
            "That account's role is above the roles you administer",
        )
    return viewer, account, org


def role_for(viewer: Viewer, role: str, field: str = "role") -> Role:
    try:
        parsed = Role(role)
    except ValueError:
        raise violation("INVALID_INPUT", f"未知角色：{role}", f"Unknown role: {role}", field) from None
    if parsed not in administered_roles(viewer):
        raise violation(
            "R-ACC-02",
            "不能授予高于您可管理范围的角色",
            "You may not give a role above the roles you administer",
            field,
        )
    return parsed


def home_org(ctx: Context, viewer: Viewer, org_id: int, field: str = "orgId") -> Organization:
    org = ctx.session.get(Organization, org_id)
    if org is None or not viewer.sees(org.path):
        raise NotFoundError("组织", org_id, field, type_en="Organization")
    if org.status != OrgStatus.active:
        raise violation("R-ACC-10", f"“{org.name}”已撤销，不能作为账号的所属组织",
                        f"{org.name} is dissolved and cannot be an account's home", field)  # fmt: skip
    return org


def check_username(session: Session, username: str, field: str = "username") -> str:
    name = (username or "").strip()
    if not USERNAME_RE.match(name):
        raise violation(
            "R-ACC-04",
            "用户名须为 3–60 个字母、数字或 _ . -，以字母或数字开头",
            "A username is 3–60 letters, digits or _ . -, starting with a letter or digit",
            field,
        )
    taken = session.execute(select(col(Account.id)).where(func.lower(col(Account.username)) == name.lower())).scalar()
    if taken is not None:
        raise violation("R-ACC-05", f"用户名 {name} 已被使用", f"The username {name} is taken", field)
    return name


def clean_display_name(value: str | None, field: str = "displayName") -> str:
    name = (value or "").strip()
    if not name:
        raise violation("INVALID_INPUT", "姓名不能为空", "The name must not be empty", field)
    if len(name) > 60:
        raise violation("INVALID_INPUT", "姓名不能超过 60 个字符", "The name must be at most 60 characters", field)
    return name


def check_password(ctx: Context, username: str, password: str, field: str = "newPassword") -> None:
    """The password policy: at least Settings.account_min_password_length characters, and not
    the username (the first thing anyone tries)."""
    minimum = ctx.settings.account_min_password_length
    if len(password) < minimum:
        raise violation("R-ACC-06", f"密码至少 {minimum} 位", f"A password has at least {minimum} characters", field)
    if len(password) > MAX_PASSWORD:
        raise violation("R-ACC-06", f"密码不能超过 {MAX_PASSWORD} 位", f"A password has at most {MAX_PASSWORD} characters", field)
    if password.strip().lower() == username.strip().lower():
        raise violation("R-ACC-07", "密码不能与用户名相同", "The password must not be the username", field)


def one_time_password(ctx: Context) -> str:
    length = max(12, ctx.settings.account_min_password_length)
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))


def _snapshot(account: Account) -> dict[str, Any]:
    return {f: getattr(account, f) for f in ACCOUNT_AUDIT_FIELDS}


def _audit(ctx: Context, action: str, account: Account, org: Organization, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    from partygraph.services.base import record

    record(ctx, action, "Account", account.id, org.path, before, after)


def _bump(ctx: Context, account: Account, expected: int | None) -> None:
    """Compare-and-set on the version: two administrators editing one account never overwrite
    each other silently."""
    current = account.version
    if expected is not None and expected != current:
        raise ConflictError("账号", expected, current, type_en="Account")
    result = ctx.session.execute(
        sql_update(Account)
        .where(col(Account.id) == account.id, col(Account.version) == current)
        .values(version=current + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise ConflictError("账号", current, current + 1, type_en="Account")
    set_committed_value(account, "version", current + 1)


def create(ctx: Context, *, username: str, display_name: str, role: str, org_id: int) -> tuple[Account, str]:
    """A new account with a one-time password (returned once, never stored in clear) that the
    clerk must change at the first sign-in."""
    viewer = require_admin(ctx)
    name = check_username(ctx.session, username)
    display = clean_display_name(display_name)
    parsed = role_for(viewer, role)
    org = home_org(ctx, viewer, org_id)
    password = one_time_password(ctx)
    account = Account(
        username=name,
        display_name=display,
        password_hash=hash_password(password),
        role=parsed.value,
        org_id=org.id,
        must_change_password=True,
    )
    ctx.session.add(account)
    ctx.session.flush()
    _audit(ctx, "account.create", account, org, None, _snapshot(account))
    return account, password


def update(
    ctx: Context,
    account_id: int,
    *,
    version: int | None = None,
    role: str | None = None,
    org_id: int | None = None,
    display_name: str | None = None,
) -> Account:
    """Change an account's role, home organisation or name. A new role or home ends the
    account's sessions: what it may see and do changed under it."""
    viewer = require_admin(ctx)
    account, org = get_account(ctx, account_id)
    if account.id == viewer.account_id:
        if role is not None and role != account.role:
            raise violation("R-ACC-08", "不能更改自己的角色", "You cannot change your own role", "role")
        if org_id is not None and org_id != account.org_id:
            raise violation("R-ACC-08", "不能更改自己的所属组织", "You cannot change your own home organisation", "orgId")
    else:
        viewer, account, org = _managed(ctx, account_id, self_code_zh="", self_code_en="")
    before = _snapshot(account)
    new_org = org
    if role is not None and role != account.role:
        account.role = role_for(viewer, role).value
    if org_id is not None and org_id != account.org_id:
        new_org = home_org(ctx, viewer, org_id)
        account.org_id = new_org.id
    if display_name is not None:
        account.display_name = clean_display_name(display_name)
    after = _snapshot(account)
    if after == before:
        return account
    _bump(ctx, account, version)
    if (before["role"], before["org_id"]) != (after["role"], after["org_id"]):
        _end_sessions(ctx, account.id, "role_changed")
    _audit(ctx, "account.update", account, new_org, before, after)
    return account


def deactivate(ctx: Context, account_id: int, *, version: int | None = None, reason: str | None = None) -> Account:
    """Deactivated, never deleted: its sign-in, sessions and tokens stop working at once."""
    _viewer, account, org = _managed(
        ctx, account_id, self_code_zh="不能停用自己的账号", self_code_en="You cannot deactivate your own account"
    )
    if not account.active:
        raise violation("R-ACC-09", "该账号已停用", "That account is already deactivated", "id")
    note = (reason or "").strip()[:200] or None
    before = _snapshot(account)
    account.active = False
    _bump(ctx, account, version)
    _end_sessions(ctx, account.id, "deactivated")
    _audit(ctx, "account.deactivate", account, org, before, {**_snapshot(account), "reason": note})
    return account


def reactivate(ctx: Context, account_id: int, *, version: int | None = None) -> Account:
    _viewer, account, org = _managed(
        ctx, account_id, self_code_zh="不能启用自己的账号", self_code_en="You cannot reactivate your own account"
    )
    if account.active:
        raise violation("R-ACC-09", "该账号已是启用状态", "That account is already active", "id")
    before = _snapshot(account)
    account.active = True
    _bump(ctx, account, version)
    _audit(ctx, "account.reactivate", account, org, before, _snapshot(account))
    return account


def reset_password(ctx: Context, account_id: int) -> tuple[Account, str]:
    """A new one-time password (returned once) that the clerk must change at the next sign-in;
    the account's sessions end. One's own password is changed, not reset."""
    _viewer, account, org = _managed(
        ctx, account_id,
        self_code_zh="不能重置自己的密码，请使用“修改密码”", self_code_en="You cannot reset your own password; change it instead",
    )  # fmt: skip
    password = one_time_password(ctx)
    before = _snapshot(account)
    account.password_hash = hash_password(password)
    account.must_change_password = True
    _bump(ctx, account, None)
    _end_sessions(ctx, account.id, "password_reset")
    _audit(ctx, "account.reset_password", account, org, before, {**_snapshot(account), "password": "reset"})
    return account, password


def change_own_password(ctx: Context, *, old_password: str, new_password: str) -> Account:
    """The signed-in clerk replaces their password, knowing the current one."""
    _viewer, account = _require_self(ctx)
    try:
        _hasher.verify(account.password_hash, old_password)
    except (VerificationError, InvalidHashError):
        raise violation("R-ACC-11", "当前密码不正确", "The current password is wrong", "oldPassword") from None
    check_password(ctx, account.username, new_password)
    if new_password == old_password:
        raise violation("R-ACC-07", "新密码不能与当前密码相同", "The new password must differ from the current one", "newPassword")
    before = _snapshot(account)
    account.password_hash = hash_password(new_password)
    account.must_change_password = False
    _bump(ctx, account, None)
    _end_sessions(ctx, account.id, "password_changed")
    _audit(ctx, "account.change_password", account, _org_of(ctx, account), before, {**_snapshot(account), "password": "changed"})
    return account


def needs_password_change(session: Session, account_id: int | None) -> bool:
    """Whether the admin must send this signed-in account to the change-password page first."""
    if account_id is None:
        return False
    return bool(session.execute(select(col(Account.must_change_password)).where(col(Account.id) == account_id)).scalar())


# --- tokens ---------------------------------------------------------------------------------------


def sees_tokens_of(viewer: Viewer | None, account_id: int, org_path: str) -> bool:
    """One's own tokens; a county account (not through a read-only token) also those of its subtree."""
    if viewer is None:
        return False
    if viewer.account_id == account_id:
        return True
    return viewer.role == Role.county and not viewer.read_only and viewer.sees(org_path)


def tokens_of(ctx: Context, account_ids: list[int]) -> dict[int, list[ApiToken]]:
    """The tokens of these accounts (the caller has checked `sees_tokens_of`), newest first."""
    out: dict[int, list[ApiToken]] = {i: [] for i in account_ids}
    if not account_ids:
        return out
    rows = ctx.session.execute(
        select(ApiToken).where(col(ApiToken.account_id).in_(account_ids)).order_by(col(ApiToken.id).desc())
    ).scalars()
    for t in rows:
        out[t.account_id].append(t)
    return out


def create_own_token(ctx: Context, *, label: str | None, read_only: bool) -> tuple[ApiToken, str]:
    """A token for the signed-in account; the token itself is returned once (only its digest is kept)."""
    _viewer, account = _require_self(ctx)
    text_label = (label or "").strip() or None
    if text_label is not None and len(text_label) > 60:
        raise violation("INVALID_INPUT", "用途说明不能超过 60 个字符", "The label must be at most 60 characters", "label")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(account_id=account.id, token_hash=token_digest(token), label=text_label, read_only=read_only)
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, "token.create", account, _org_of(ctx, account), None,
           {"token_id": row.id, "label": text_label, "read_only": read_only})  # fmt: skip
    return row, token


def revoke_own_or_scoped_token(ctx: Context, token_id: int) -> ApiToken:
    viewer = ctx.viewer
    if viewer is None:
        raise NotAllowedError("请先登录", "Sign in first")
    row = ctx.session.get(ApiToken, token_id)
    owner = ctx.session.get(Account, row.account_id) if row is not None else None
    org = _org_of(ctx, owner) if owner is not None else None
    if row is None or owner is None or org is None or not (viewer.account_id == owner.id or viewer.sees(org.path)):
        raise NotFoundError("令牌", token_id, "id", type_en="ApiToken")
    if viewer.account_id == owner.id:
        _require_self(ctx)
    elif not sees_tokens_of(viewer, owner.id, org.path):
        raise _refused("R-ACC-13", "只有县委组织部可以撤销他人的令牌", "Only the county may revoke another account's tokens")
    if row.revoked_at is not None:
        raise violation("R-ACC-12", "该令牌已撤销", "That token is already revoked", "id")
    row.revoked_at = utcnow()
    _audit(ctx, "token.revoke", owner, org, {"token_id": row.id, "revoked": False}, {"token_id": row.id, "revoked": True})
    return row

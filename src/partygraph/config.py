"""Settings from PARTYGRAPH_* environment variables, one object."""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from partygraph.rules.assistance import AssistanceSettings
from partygraph.rules.branch_life import LifeSettings
from partygraph.rules.candidate import PipelineSettings
from partygraph.rules.evaluation import EvaluationSettings
from partygraph.rules.organization import StructureSettings

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _default_dir(name: str) -> Path:
    """Where a top-level folder (templates/, migrations/) is found.

    A wheel carries it inside the package (the build maps it there, see pyproject.toml);
    a source checkout, editable installs included, keeps it beside src/.
    """
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PROJECT_DIR / name


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///partygraph.db"
    secret_key: str = ""
    debug: bool = False
    max_page_size: int = 100
    default_page_size: int = 20
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    session_max_age: int = 8 * 3600
    # Whole results of read queries kept until the data changes (graphql.result_cache).
    result_cache: bool = True
    # Level of partygraph's own log lines on stdout (one JSON line per request at INFO).
    log_level: str = "INFO"
    templates_dir: Path = field(default_factory=lambda: _default_dir("templates"))
    migrations_dir: Path = field(default_factory=lambda: _default_dir("migrations"))
    # Import and export jobs (state + uploaded / produced files), shared by every worker process.
    jobs_dir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()) / "partygraph-jobs")
    # Levels that see national ID numbers unmasked (docs/domain.md §3: county level only).
    unmasked_roles: tuple[str, ...] = ("county",)
    # --- accounts ---
    # The shortest password a clerk may choose (one-time passwords are at least this long too).
    account_min_password_length: int = 10
    # --- sign-in and sessions (services.signin) ---
    # A signed-in session ends after this many seconds without a request (and always after
    # session_max_age from sign-in).
    session_idle_timeout: int = 2 * 3600
    # Failed sign-ins counted over this window (seconds): this many for one user name, or
    # this many from one address, lock it for signin_lockout seconds.
    signin_window: int = 15 * 60
    signin_account_failures: int = 5
    signin_address_failures: int = 20
    signin_lockout: int = 15 * 60
    # Each failure in the window after the first adds this much wait (ms) to the answer, up to 3 s.
    signin_delay_ms: int = 500
    # Secure flag of the session cookie: auto (when the request came over HTTPS), always, never.
    cookie_secure: str = "auto"
    # Reverse proxies whose X-Forwarded-Proto/-For are believed (comma-separated; "*" = any):
    # passed to uvicorn/gunicorn as forwarded_allow_ips.
    forwarded_allow_ips: str = field(default_factory=lambda: os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
    # --- HTTP limits (graphql.view) ---
    # The largest /graphql request body in bytes (413 above it).
    max_body_bytes: int = 1024 * 1024
    # The longest GraphQL document in characters, comments and whitespace included (the token
    # limit above counts neither).
    max_query_length: int = 20_000
    # The longest search text of a list filter, in characters.
    max_search_length: int = 100
    # Which bearer tokens may introspect the schema and get "Did you mean ...?" hints:
    # all, writable (not read-only tokens) or none. Signed-in admin sessions always may.
    introspection_tokens: str = "writable"
    # The numbers of the rules: defaults in code, a deployment's overrides in a TOML file.
    rules_file: Path | None = None
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    structure: StructureSettings = field(default_factory=StructureSettings)
    branch_life: LifeSettings = field(default_factory=LifeSettings)
    evaluation: EvaluationSettings = field(default_factory=EvaluationSettings)
    assistance: AssistanceSettings = field(default_factory=AssistanceSettings)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"PARTYGRAPH_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("bool",):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.type in ("int",):
                values[f.name] = int(raw)
            elif f.type in ("Path", "Path | None"):
                values[f.name] = Path(raw)
            elif f.type.startswith("tuple"):
                values[f.name] = tuple(x.strip() for x in raw.split(",") if x.strip())
            elif f.type == "str":
                values[f.name] = raw
        rules_file = overrides.get("rules_file", values.get("rules_file"))
        if rules_file:
            from partygraph.rule_settings import load

            values.update(load(Path(rules_file)))  # type: ignore[arg-type]  # a str or Path from the environment or a caller
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]  # each value was converted above by its field's declared type
        if not settings.secret_key:
            # A stable secret per database file keeps sessions valid across restarts
            # of the demo; production sets PARTYGRAPH_SECRET_KEY.
            object.__setattr__(settings, "secret_key", _local_secret(settings.database_url))
        return settings


def _local_secret(database_url: str) -> str:
    path = Path(".partygraph-secret")
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    try:
        path.write_text(secret)
        path.chmod(0o600)
    except OSError:
        pass
    return secret


_settings_keys: dict[int, tuple[Any, int]] = {}


def settings_key(settings: Any) -> int:
    """The hash of a (frozen) settings object: figures and alerts depend on the rule numbers.
    Kept per object (≈ 30 µs to compute); the object is held, so its id is not reused."""
    hit = _settings_keys.get(id(settings))
    if hit is None:
        if len(_settings_keys) >= 64:
            _settings_keys.clear()
        try:
            value = hash(settings)
        except TypeError:  # a field that cannot be hashed: this object alone
            value = id(settings)
        hit = _settings_keys[id(settings)] = (settings, value)
    return hit[1]

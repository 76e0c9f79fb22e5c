"""Production serving: gunicorn with uvicorn workers (measured far faster here than
`uvicorn --workers`, see docs/architecture.md#serving); one worker runs plain uvicorn."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from uvicorn_worker import UvicornWorker  # type: ignore[import-untyped]  # publishes no types


def app_factory() -> Any:
    import gc

    from partygraph.app import create_app

    app = create_app()
    # Long-lived start-up objects leave the collector's view: measured full-collection
    # pauses of 200-250 ms at p95 disappear (bench/README.md, --gc-freeze).
    gc.collect()
    gc.freeze()
    return app


class QuietUvicornWorker(UvicornWorker):
    """A uvicorn worker without uvicorn's access log: partygraph.observability writes the one
    line per request (and skipping uvicorn's saves formatting a line nobody reads)."""

    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "access_log": False}


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return app_factory()


def _forwarded_allow_ips() -> str:
    """The reverse proxies whose X-Forwarded-Proto/-For are believed (the cookie's Secure flag
    and the address sign-in throttling counts depend on them): the forwarded_allow_ips setting."""
    from partygraph.config import Settings

    return Settings.from_env().forwarded_allow_ips


def run(*, host: str, port: int, workers: int) -> None:
    allowed = _forwarded_allow_ips()
    if workers <= 1:
        import uvicorn

        uvicorn.run(
            app_factory(), host=host, port=port, log_level="warning", access_log=False,
            proxy_headers=True, forwarded_allow_ips=allowed,
        )  # fmt: skip
        return
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "partygraph.server.QuietUvicornWorker",
            "loglevel": "warning",
            "accesslog": None,
            "timeout": 60,
            # gunicorn hands this to the uvicorn workers' proxy-header handling
            "forwarded_allow_ips": allowed,
        }
    ).run()

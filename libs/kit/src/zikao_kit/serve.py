"""`python -m zikao_kit.serve MODULE:FACTORY --host H --port P [--proxies-env NAME]`: uvicorn
serving an app factory, believing `X-Forwarded-For` from exactly the proxies the app itself
trusts (the setting named by `--proxies-env`, `ZIKAO_TRUSTED_PROXIES` by default), so uvicorn's
idea of the client (its logs, `scope["client"]`) and the app's per-client limits never differ.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence

import uvicorn

from zikao_kit.network import TrustedProxies
from zikao_kit.settings import ServiceSettings

DEFAULT_PROXIES_ENV = "ZIKAO_TRUSTED_PROXIES"
MOST_WORKERS = 64


def trusted_proxies(env_name: str, environ: dict[str, str] | None = None) -> TrustedProxies:
    """The proxies named by `env_name`; when it is unset, the services' default (the gateway on
    loopback) for `ZIKAO_TRUSTED_PROXIES` and none for any other setting."""
    environ = dict(os.environ) if environ is None else environ
    default = ServiceSettings.model_fields["trusted_proxies"].default
    fallback = default if env_name == DEFAULT_PROXIES_ENV else ""
    return TrustedProxies.parse(environ.get(env_name, fallback))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m zikao_kit.serve")
    parser.add_argument("app", help="MODULE:FACTORY, e.g. zikao_identity.app:create_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--proxies-env", default=DEFAULT_PROXIES_ENV)
    args = parser.parse_args(argv)
    proxies = trusted_proxies(args.proxies_env)
    uvicorn.run(
        args.app,
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers(args.app),
        proxy_headers=bool(proxies.networks),
        forwarded_allow_ips=proxies.uvicorn_value or None,
    )


def workers(app: str, environ: Mapping[str, str] | None = None) -> int:
    """How many server processes share the port: `<SERVICE>_WORKERS` of the app's package
    (`RECORDS_WORKERS` for `zikao_records.app:create_app`), 1 when unset. More than one lets a
    service that is the bottleneck on release day (records' first reads) use every core; each
    process keeps its own caches and its own `/metrics`."""
    environ = os.environ if environ is None else environ
    service = app.split(".", 1)[0].split(":", 1)[0].removeprefix("zikao_").upper()
    name = f"{service}_WORKERS"
    try:
        count = int(environ.get(name, "1"))
    except ValueError:
        count = 0  # refused below, as any count out of range
    if not 1 <= count <= MOST_WORKERS:
        raise SystemExit(f"{name} must be a whole number from 1 to {MOST_WORKERS}")
    return count


if __name__ == "__main__":
    main()

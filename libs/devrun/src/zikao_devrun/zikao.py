"""The Zikao process set: three services, the documents worker and the gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from zikao_devrun.errors import DevrunError
from zikao_devrun.infra import Infra
from zikao_devrun.ports import LOOPBACK, free_port_numbers, parse_port
from zikao_devrun.process import ProcessSpec
from zikao_devrun.system import System
from zikao_kit.audit import AUDIT_PATH

SERVICES = ("identity", "records", "documents")
WORKER_MARKER = "Starting worker"
MAIL_SINK_MARKER = "mail sink listening"
GATEWAY_SUPERGRAPH = "gateway/supergraph.graphql"
GATEWAY_CONFIG = "gateway/gateway.config.mjs"
DEMO_CAPTCHA_ANSWER = "TEST"
# uvicorn believing X-Forwarded-For from the same proxies as the app (zikao_kit.serve).
SERVE = ("-m", "zikao_kit.serve")
GATEWAY_PROXIES_ENV = "GATEWAY_TRUSTED_PROXIES"
_TYPENAME_QUERY = json.dumps({"query": "{__typename}"}).encode()
LOOPBACK_RATES = {
    name: "1000000"
    for name in (
        "GATEWAY_RATE_LIMIT_CLIENT",
        "GATEWAY_RATE_LIMIT_FIELD",
        "GATEWAY_RATE_LIMIT_SIGN_IN",
        "GATEWAY_RATE_LIMIT_RECOVERY",
        "GATEWAY_RATE_LIMIT_CAPTCHA",
    )
}
"""The gateway's rate limits for runs whose every client is this machine's one loopback
address (tests, benchmarks): still counted in Redis, so their cost is measured, never reached.
The edge's own tests start a gateway with low limits."""


GATEWAYS = ("zikao", "hive")
"""The Python gateway (the default) and Hive Gateway, which serves the same supergraph."""


def gateway_argv(port: int, kind: str = "zikao", python: str = sys.executable) -> tuple[str, ...]:
    """The gateway command, run from the repository root: change it here."""
    if kind == "hive":
        return (
            "npx", "--no-install", "hive-gateway", "supergraph", GATEWAY_SUPERGRAPH,
            "--config-path", GATEWAY_CONFIG, "--host", LOOPBACK, "--port", str(port),
        )  # fmt: skip
    if kind != "zikao":
        raise DevrunError(f"zikao: unknown gateway {kind!r} (one of {', '.join(GATEWAYS)})")
    app = (*SERVE, "zikao_gateway.app:create_app", "--proxies-env", GATEWAY_PROXIES_ENV)
    return (python, *app, "--host", LOOPBACK, "--port", str(port))


@dataclass(frozen=True)
class Ports:
    """The port of each service and of the gateway."""

    identity: int = 8001
    records: int = 8002
    documents: int = 8003
    gateway: int = 4000

    @staticmethod
    def env_var(name: str) -> str:
        """The variable that overrides the port of ``name``: ``IDENTITY_PORT`` etc."""
        return f"{name.upper()}_PORT"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Ports:
        """Defaults, overridden by ``IDENTITY_PORT``, ``RECORDS_PORT``, ``DOCUMENTS_PORT``,
        ``GATEWAY_PORT`` (from ``os.environ`` when ``env`` is None)."""
        env = os.environ if env is None else env
        values = {
            field.name: parse_port(env[cls.env_var(field.name)], cls.env_var(field.name))
            for field in fields(cls)
            if env.get(cls.env_var(field.name))
        }
        return cls(**values)

    def of(self, name: str) -> int:
        """The port of the process ``name``."""
        port = getattr(self, name)
        assert isinstance(port, int)
        return port


def free_ports() -> Ports:
    """Four distinct ports free right now, for tests that run the system beside others."""
    identity, records, documents, gateway = free_port_numbers(4)
    return Ports(identity=identity, records=records, documents=documents, gateway=gateway)


def base_url(port: int) -> str:
    """``http://127.0.0.1:<port>``."""
    return f"http://{LOOPBACK}:{port}"


def gateway_url(ports: Ports) -> str:
    """The gateway's GraphQL endpoint (GraphiQL in a browser at the same address)."""
    return f"{base_url(ports.gateway)}/graphql"


def service_spec(name: str, port: int, python: str = sys.executable) -> ProcessSpec:
    """uvicorn serving ``zikao_<name>.app:create_app``, ready when /readyz answers 200."""
    argv = (python, *SERVE, f"zikao_{name}.app:create_app")
    return ProcessSpec(
        name=name,
        argv=(*argv, "--host", LOOPBACK, "--port", str(port)),
        ready_url=f"{base_url(port)}/readyz",
        port=port,
        port_env=Ports.env_var(name),
    )


def worker_spec(python: str = sys.executable) -> ProcessSpec:
    """The documents arq worker, ready once it logs that it is starting."""
    argv = (python, "-m", "arq", "zikao_documents.worker.WorkerSettings")
    return ProcessSpec(name="worker", argv=argv, ready_marker=WORKER_MARKER)


def identity_worker_spec(python: str = sys.executable) -> ProcessSpec:
    """Identity's arq worker (password-reset mails, on its own queue)."""
    argv = (python, "-m", "arq", "zikao_identity.worker.WorkerSettings")
    return ProcessSpec(name="identity-worker", argv=argv, ready_marker=WORKER_MARKER)


def mail_sink_spec(python: str = sys.executable) -> ProcessSpec:
    """The development SMTP server on ``IDENTITY_SMTP_PORT`` writing each message to
    ``IDENTITY_MAIL_DIR`` (``.run/mail``)."""
    argv = (python, "-m", "zikao_identity.mailsink")
    return ProcessSpec(name="mailsink", argv=argv, ready_marker=MAIL_SINK_MARKER)


def records_worker_spec(python: str = sys.executable) -> ProcessSpec:
    """Records' arq worker (seat allocation runs, lapsing unpaid sign-ups; queue
    ``zikao:records``), ready once it logs that it is starting."""
    argv = (python, "-m", "arq", "zikao_records.worker.WorkerSettings")
    return ProcessSpec(name="records-worker", argv=argv, ready_marker=WORKER_MARKER)


def gateway_spec(
    ports: Ports,
    kind: str = "zikao",
    *,
    name: str = "gateway",
    urls: Mapping[str, str] | None = None,
    python: str = sys.executable,
) -> ProcessSpec:
    """A gateway (``kind`` of :data:`GATEWAYS`) over the three services on ``ports.gateway``;
    starts once they are ready. ``urls`` overrides a service's URL (by service name)."""
    env = {
        f"{service.upper()}_URL": (urls or {}).get(service)
        or f"{base_url(ports.of(service))}/graphql"
        for service in SERVICES
    }
    return ProcessSpec(
        name=name,
        argv=gateway_argv(ports.gateway, kind, python),
        ready_url=gateway_url(ports),
        ready_body=_TYPENAME_QUERY,
        port=ports.gateway,
        port_env=Ports.env_var("gateway"),
        env={**env, "GATEWAY_PORT": str(ports.gateway)},
        stage=1,
    )


def zikao_specs(ports: Ports, python: str = sys.executable) -> list[ProcessSpec]:
    """Every process of the system, in start order."""
    services = [service_spec(name, ports.of(name), python) for name in SERVICES]
    workers = [
        worker_spec(python),
        records_worker_spec(python),
        identity_worker_spec(python),
        mail_sink_spec(python),
    ]
    return [*services, *workers, gateway_spec(ports, python=python)]


def audit_sources(ports: Ports) -> str:
    """Where identity fetches the other services' audit entries (the one trail auditors read)."""
    return ",".join(
        f"{name}={base_url(ports.of(name))}{AUDIT_PATH}" for name in ("records", "documents")
    )


def local_defaults(ports: Ports, mode: str) -> dict[str, str]:
    """Settings the environment may override: documents' download links on the port documents
    runs on, identity's audit sources on the ports records and documents run on and, in
    development, the captcha answer ``TEST`` (the README's log-in walkthrough;
    production refuses it)."""
    defaults = {
        "DOCUMENTS_PUBLIC_URL": base_url(ports.documents),
        "DOCUMENTS_IDENTITY_URL": f"{base_url(ports.identity)}/graphql",
        "DOCUMENTS_RECORDS_URL": f"{base_url(ports.records)}/graphql",
        "IDENTITY_AUDIT_SOURCES": audit_sources(ports),
    }
    if mode == "development":
        defaults["IDENTITY_CAPTCHA_TEST_ANSWER"] = DEMO_CAPTCHA_ANSWER
    return defaults


def process_env(
    infra: Infra,
    ports: Ports,
    mode: str,
    extra: Mapping[str, str] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """:func:`local_defaults`, then ``base`` (default ``os.environ``), then the URLs,
    ``ZIKAO_ENV=mode``, the JWKS URL and ``extra``."""
    return {
        **local_defaults(ports, mode),
        **(os.environ if base is None else base),
        **infra.env(),
        "ZIKAO_ENV": mode,
        "ZIKAO_JWKS_URL": f"{base_url(ports.identity)}/.well-known/jwks.json",
        **(extra or {}),
    }


def isolated_env(work: Path, label: str, jwt_key: Path) -> dict[str, str]:
    """Settings for a system run beside others on one machine (test sessions, benchmarks):
    queues, Redis keys, SMTP sink port and files of its own (the Redis server is shared, and
    another run's workers would take our jobs), identity's signing key from `jwt_key`, and the
    captcha answer `TEST`."""
    (smtp_port,) = free_port_numbers(1)
    return {
        "IDENTITY_JWT_PRIVATE_KEY_FILE": str(jwt_key),
        "IDENTITY_CAPTCHA_TEST_ANSWER": DEMO_CAPTCHA_ANSWER,
        "IDENTITY_QUEUE_NAME": f"zikao:identity:{label}",
        "IDENTITY_REDIS_PREFIX": f"identity-{label}",
        "IDENTITY_SMTP_PORT": str(smtp_port),
        "IDENTITY_MAIL_DIR": str(work / "mail"),
        "RECORDS_QUEUE_NAME": f"zikao:records:{label}",
        "DOCUMENTS_QUEUE_NAME": f"zikao:documents:{label}",
        "DOCUMENTS_STORAGE_DIR": str(work / "documents"),
        "GATEWAY_REDIS_PREFIX": f"zikao:gateway:{label}",
        **LOOPBACK_RATES,
    }


def zikao_system(
    infra: Infra,
    ports: Ports,
    *,
    root: Path,
    mode: str = "test",
    log_dir: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    start_timeout: float = 60.0,
) -> System:
    """The whole system as a :class:`System` (not started), run from ``root``."""
    return System(
        zikao_specs(ports),
        env=process_env(infra, ports, mode, extra_env),
        cwd=root,
        log_dir=log_dir,
        start_timeout=start_timeout,
    )


def run_service_command(service: str, action: str, env: Mapping[str, str], cwd: Path) -> str:
    """Run ``python -m zikao_<service> <action>``; return its stdout, raise on failure."""
    argv = [sys.executable, "-m", f"zikao_{service}", action]
    done = subprocess.run(argv, env=dict(env), cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        output = "\n".join(f"  {service} | {line}" for line in _last_lines(done, 30))
        raise DevrunError(
            f"zikao: `python -m zikao_{service} {action}` failed "
            f"with exit code {done.returncode}:\n{output}"
        )
    return done.stdout


def _last_lines(done: subprocess.CompletedProcess[str], count: int) -> list[str]:
    return (done.stdout + done.stderr).splitlines()[-count:]


def find_root(start: Path | None = None) -> Path:
    """The workspace root: the nearest directory upwards with a uv workspace pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "[tool.uv.workspace]" in pyproject.read_text("utf-8"):
            return directory
    return here

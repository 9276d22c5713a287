"""The Zikao process specs run for real (on stand-in services), and the CLI's edges."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from zikao_devrun.infra import Infra, infrastructure
from zikao_devrun.process import http_ok
from zikao_devrun.system import System
from zikao_devrun.zikao import (
    Ports,
    base_url,
    free_ports,
    gateway_argv,
    process_env,
    run_service_command,
    zikao_specs,
)


def test_ports_from_env_and_free_ports() -> None:
    assert Ports.from_env({}) == Ports(8001, 8002, 8003, 4000)
    assert Ports.from_env({"RECORDS_PORT": "9002", "GATEWAY_PORT": "5000"}) == Ports(
        8001, 9002, 8003, 5000
    )
    ports = free_ports()
    assert len({ports.identity, ports.records, ports.documents, ports.gateway}) == 4


def test_gateway_command_names_its_port() -> None:
    argv = gateway_argv(4123)
    assert argv[1:6] == (
        "-m",
        "zikao_kit.serve",
        "zikao_gateway.app:create_app",
        "--proxies-env",
        "GATEWAY_TRUSTED_PROXIES",
    )
    assert argv[-2:] == ("--port", "4123")
    hive = gateway_argv(4124, "hive")
    assert hive[:3] == ("npx", "--no-install", "hive-gateway")
    assert hive[-2:] == ("--port", "4124")


def test_development_defaults_give_way_to_the_environment() -> None:
    infra = Infra(database_url="postgresql://db", redis_url="redis://redis")
    ports = Ports(records=9002, documents=9003)
    development = process_env(infra, ports, "development", base={})
    assert development["IDENTITY_CAPTCHA_TEST_ANSWER"] == "TEST"
    assert development["DOCUMENTS_PUBLIC_URL"] == "http://127.0.0.1:9003"
    assert development["IDENTITY_AUDIT_SOURCES"] == (
        "records=http://127.0.0.1:9002/internal/audit,"
        "documents=http://127.0.0.1:9003/internal/audit"
    )
    assert "IDENTITY_CAPTCHA_TEST_ANSWER" not in process_env(infra, ports, "test", base={})
    chosen = {"IDENTITY_CAPTCHA_TEST_ANSWER": "", "DOCUMENTS_PUBLIC_URL": "https://files.example"}
    assert process_env(infra, ports, "development", base=chosen).items() >= chosen.items()


def test_services_and_worker_start_on_stand_ins(
    standins: Path, short_tmp: Path, alive: Callable[[int], bool]
) -> None:
    ports = free_ports()
    specs = [spec for spec in zikao_specs(ports) if spec.name != "gateway"]
    with infrastructure(short_tmp, {"DATABASE_URL": "postgresql://unused"}) as infra:
        env = process_env(infra, ports, "test", {"PYTHONPATH": str(standins)})
        assert env["ZIKAO_JWKS_URL"] == f"{base_url(ports.identity)}/.well-known/jwks.json"
        demo = run_service_command("identity", "demo", env, short_tmp)
        assert demo == "identity: demo login identity-user / secret\n"
        system = System(specs, env=env, cwd=short_tmp, log_dir=short_tmp / "logs")
        with system:
            for name in ("identity", "records", "documents"):
                assert http_ok(f"{base_url(ports.of(name))}/readyz")
            pids = list(system.pids.values())
        assert not any(alive(pid) for pid in pids)
    assert "Starting worker" in (short_tmp / "logs" / "worker.log").read_text()


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zikao_devrun", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_run_refuses_a_taken_port_in_one_line(tmp_path: Path) -> None:
    ports = free_ports()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "IDENTITY_PORT": str(port),
            "RECORDS_PORT": str(ports.records),
            "DOCUMENTS_PORT": str(ports.documents),
            "GATEWAY_PORT": str(ports.gateway),
        }
        done = run_cli(["run"], env, tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        f"zikao: port {port} (identity) is already in use; set IDENTITY_PORT to another port\n"
    )
    assert not (tmp_path / ".run").exists()


def test_cli_run_rejects_a_bad_port_value(tmp_path: Path) -> None:
    done = run_cli(["run"], {"GATEWAY_PORT": "http"}, tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        "zikao: GATEWAY_PORT must be a TCP port number, got 'http'\n",
    )


@pytest.mark.parametrize("code", [0, 7])
def test_cli_exec_passes_urls_and_exit_code(tmp_path: Path, code: int) -> None:
    script = (
        "import os, sys; "
        "assert os.environ['DATABASE_URL'] == 'postgresql://x/y', os.environ['DATABASE_URL']; "
        "assert os.environ['REDIS_URL'] == 'redis://r:1/0'; "
        f"sys.exit({code})"
    )
    env = {"DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://r:1/0"}
    done = run_cli(["exec", "--", sys.executable, "-c", script], env, tmp_path)
    assert done.returncode == code, done.stderr


def test_cli_exec_with_embedded_servers(short_tmp: Path) -> None:
    script = (
        "import os, sys; "
        "sys.stdout.write(os.environ['DATABASE_URL'] + ' ' + os.environ['REDIS_URL'])"
    )
    env = {"DATABASE_URL": "", "REDIS_URL": ""}
    done = run_cli(["exec", "--", sys.executable, "-c", script], env, short_tmp)
    assert done.returncode == 0, done.stderr
    database_url, redis_url = done.stdout.split()
    assert database_url.startswith("postgresql://postgres@/postgres?host=")
    assert redis_url.startswith("unix://")
    assert "embedded PostgreSQL ready" in done.stderr

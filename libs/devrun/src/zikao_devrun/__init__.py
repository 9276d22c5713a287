"""Runs the whole Zikao system locally (``make run``) and for end-to-end tests.

A session-scoped pytest fixture (tests run under ``zikao-run exec``, which sets
DATABASE_URL and REDIS_URL)::

    @pytest.fixture(scope="session")
    def zikao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
        infra = Infra(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
        system = zikao_system(
            infra, free_ports(), root=find_root(), log_dir=tmp_path_factory.mktemp("logs")
        )
        with system:
            yield system
"""

from zikao_devrun.errors import DevrunError
from zikao_devrun.infra import Infra, infrastructure
from zikao_devrun.ports import PortInUseError, free_port_numbers, port_is_free
from zikao_devrun.process import ProcessSpec
from zikao_devrun.system import ProcessExitedError, StartupError, System
from zikao_devrun.zikao import (
    Ports,
    find_root,
    free_ports,
    gateway_argv,
    gateway_url,
    process_env,
    run_service_command,
    zikao_specs,
    zikao_system,
)

__all__ = [
    "DevrunError",
    "Infra",
    "PortInUseError",
    "Ports",
    "ProcessExitedError",
    "ProcessSpec",
    "StartupError",
    "System",
    "find_root",
    "free_port_numbers",
    "free_ports",
    "gateway_argv",
    "gateway_url",
    "infrastructure",
    "port_is_free",
    "process_env",
    "run_service_command",
    "zikao_specs",
    "zikao_system",
]

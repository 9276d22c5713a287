"""A set of processes started together, waited on until ready, and stopped together."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from zikao_devrun.errors import DevrunError
from zikao_devrun.output import LogDirOutput, Output, TerminalOutput
from zikao_devrun.ports import PortClaim, ensure_ports_free
from zikao_devrun.process import ManagedProcess, ProcessSpec, stop_processes

__all__ = ["ProcessExitedError", "ProcessSpec", "StartupError", "System"]


class StartupError(DevrunError):
    """A process could not start, exited, or was not ready in time during start-up."""


class ProcessExitedError(DevrunError):
    """A process of a running system exited."""


class System:
    """Starts every :class:`ProcessSpec`, waits until each is ready, stops all it started.

    ``env`` is the complete environment of the processes (default: this process's); each
    spec's own ``env`` is added on top. Output goes to ``log_dir/<name>.log`` when
    ``log_dir`` is given, else to stdout prefixed with the process name. Use it as a
    context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        log_dir: Path | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.specs = list(specs)
        self._env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self._cwd = cwd
        self.log_dir = log_dir
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._output: Output | None = None
        self._processes: list[ManagedProcess] = []

    @property
    def pids(self) -> dict[str, int]:
        """The pid (and process group id) of each started process, by name."""
        return {process.name: process.pid for process in self._processes if process.started}

    def log_path(self, name: str) -> Path | None:
        """The log file of the process ``name`` when output goes to ``log_dir``."""
        return None if self.log_dir is None else self.log_dir / f"{name}.log"

    def tail(self, name: str, lines: int = 30) -> list[str]:
        """The last output lines of the process ``name``."""
        return self._process(name).tail(lines)

    def port_claims(self) -> list[PortClaim]:
        """The ports the processes will listen on."""
        return [claim for spec in self.specs if (claim := spec.port_claim()) is not None]

    def start(self) -> None:
        """Start stage by stage and wait until ready; on any failure stop all and raise.

        Raises :class:`~zikao_devrun.ports.PortInUseError` before starting anything when a
        port is taken, and :class:`StartupError` when a process fails to start.
        """
        if self._processes:
            raise RuntimeError("system already started")
        ensure_ports_free(self.port_claims())
        self._output = self._make_output()
        try:
            for stage in sorted({spec.stage for spec in self.specs}):
                started = [self._spawn(spec) for spec in self.specs if spec.stage == stage]
                self._wait_ready(started)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """SIGTERM every process group, SIGKILL what is left after the stop timeout."""
        processes, self._processes = self._processes, []
        stop_processes(processes, self._stop_timeout)
        if self._output is not None:
            self._output.close()
            self._output = None

    def kill(self, name: str) -> None:
        """SIGKILL the process group of ``name`` and wait until it is gone (a fault test's
        crash: no shutdown runs, requests in flight are cut off)."""
        process = self._process(name)
        process.signal_group(signal.SIGKILL)
        stop_processes([process], self._stop_timeout)

    def restart(self, name: str, *, kill: bool = False) -> None:
        """Stop ``name`` (SIGTERM, or SIGKILL when ``kill``) unless it has exited, start it
        again from its spec and wait until it is ready."""
        process = self._process(name)
        if kill:
            self.kill(name)
        elif process.returncode() is None:
            stop_processes([process], self._stop_timeout)
        index = self._processes.index(process)
        self._processes.remove(process)
        fresh = self._spawn(process.spec)
        self._processes.remove(fresh)
        self._processes.insert(index, fresh)
        self._wait_ready([fresh])

    def check(self) -> None:
        """Raise :class:`ProcessExitedError` if a started process has exited."""
        for process in self._processes:
            code = process.returncode()
            if code is not None:
                raise ProcessExitedError(self._exit_message(process, code, "unexpectedly"))

    def wait(self, poll_interval: float = 0.5) -> ProcessExitedError:
        """Block until a process exits; return the error describing it (does not stop)."""
        while True:
            try:
                self.check()
            except ProcessExitedError as exited:
                return exited
            time.sleep(poll_interval)

    def __enter__(self) -> System:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _make_output(self) -> Output:
        if self.log_dir is not None:
            return LogDirOutput(self.log_dir)
        return TerminalOutput([spec.name for spec in self.specs])

    def _process(self, name: str) -> ManagedProcess:
        for process in self._processes:
            if process.name == name:
                return process
        raise KeyError(name)

    def _spawn(self, spec: ProcessSpec) -> ManagedProcess:
        assert self._output is not None
        process = ManagedProcess(spec, self._output)
        self._processes.append(process)
        try:
            process.start(self._env, self._cwd)
        except OSError as error:
            message = f"zikao: cannot start {spec.name} ({spec.argv[0]}): {error}"
            raise StartupError(message) from None
        return process

    def _wait_ready(self, processes: list[ManagedProcess]) -> None:
        deadline = time.monotonic() + self._start_timeout
        pending = list(processes)
        while pending:
            for process in pending:
                code = process.returncode()
                if code is not None:
                    raise StartupError(self._exit_message(process, code, "during start-up"))
            pending = [process for process in pending if not process.is_ready()]
            if pending and time.monotonic() > deadline:
                raise StartupError(self._not_ready_message(pending[0]))
            if pending:
                time.sleep(0.1)

    def _exit_message(self, process: ManagedProcess, code: int, when: str) -> str:
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return f"zikao: {process.name} {how} {when}.{self._tail_text(process)}"

    def _not_ready_message(self, process: ManagedProcess) -> str:
        what = process.spec.ready_url or repr(process.spec.ready_marker)
        return (
            f"zikao: {process.name} was not ready after {self._start_timeout:g} s "
            f"(waiting for {what}).{self._tail_text(process)}"
        )

    def _tail_text(self, process: ManagedProcess) -> str:
        lines = process.tail(30)
        text = "\n".join(f"  {process.name} | {line}" for line in lines)
        where = self.log_path(process.name)
        full = f" Full log: {where}" if where is not None else ""
        if not lines:
            return f" It wrote nothing.{full}"
        return f" Last lines of its output:{full}\n{text}"

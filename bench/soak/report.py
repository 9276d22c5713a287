"""Whether the soak stayed flat, and its lines: one a process (start and end memory, fds and
connections), what the load did, and the last line."""

from __future__ import annotations

from dataclasses import dataclass

from bench.soak.load import Soak
from bench.soak.sample import POSTGRESQL, REDIS, Sample, Usage

RSS_FRACTION = 0.10
RSS_MIB = 20
FDS_SLACK = 10
"""Descriptors a process may hold more at the end: a pool's connections opened under a
burst (SQLAlchemy's overflow, HTTP keep-alive) come and go; a leak keeps growing. Not asked
of PostgreSQL, whose backends keep the files of the tables they touched open (up to
``max_files_per_process`` each); its connections are counted instead."""
CONNECTIONS_SLACK = 10
"""PostgreSQL and Redis connections the system may hold more at the end (pools, as above)."""


def measured(usage: Usage, name: str) -> int:
    """PostgreSQL is judged on its private memory (``RssAnon``): each backend's VmRSS also
    counts the pages of the shared buffers it has touched, which grows towards
    ``shared_buffers`` once a backend however flat PostgreSQL is."""
    return usage.private_kib if name == POSTGRESQL else usage.rss_kib


@dataclass(frozen=True)
class Growth:
    """One process (PostgreSQL: all its processes) between two samples."""

    name: str
    start: Sample
    end: Sample

    @property
    def before(self) -> Usage:
        return self.start.usage[self.name]

    @property
    def after(self) -> Usage:
        return self.end.usage[self.name]

    @property
    def rss_kib(self) -> int:
        return measured(self.after, self.name) - measured(self.before, self.name)

    @property
    def percent(self) -> float:
        return 100 * self.rss_kib / max(1, measured(self.before, self.name))

    @property
    def of_allowed(self) -> float:
        """The growth as a share of what is allowed, 10 % of the start or 20 MiB, whichever
        is larger (over 1: not flat)."""
        allowed = max(RSS_FRACTION * measured(self.before, self.name), RSS_MIB * 1024)
        return self.rss_kib / allowed

    @property
    def flat(self) -> bool:
        return self.of_allowed <= 1

    @property
    def fds(self) -> int:
        return self.after.fds - self.before.fds

    @property
    def leaks_fds(self) -> bool:
        return self.name != POSTGRESQL and self.fds > FDS_SLACK

    def line(self) -> str:
        """``name: RSS a → b MiB (+p %), fds f → g, postgresql c → d, redis r → s``."""
        what = "private" if self.name == POSTGRESQL else "RSS"
        count = self.after.processes
        name = f"{self.name} ({count} processes)" if count > 1 else self.name
        memory = (
            f"{what} {measured(self.before, self.name) / 1024:.1f} → "
            f"{measured(self.after, self.name) / 1024:.1f} MiB ({self.percent:+.1f} %"
            f"{'' if self.flat else ', NOT flat'})"
        )
        if self.name == POSTGRESQL:
            memory += f", VmRSS {self.before.rss_kib / 1024:.0f} → {self.after.rss_kib / 1024:.0f}"
        held = [
            f"{server} {self.start.held(server, self.name)} → {self.end.held(server, self.name)}"
            for server in (POSTGRESQL, REDIS)
            if self.start.held(server, self.name) or self.end.held(server, self.name)
        ]
        return ", ".join([f"{name}: {memory}", f"fds {self.before.fds} → {self.after.fds}", *held])


def growths(start: Sample, end: Sample) -> list[Growth]:
    return [Growth(name, start, end) for name in start.usage]


def connections(start: Sample, end: Sample) -> int:
    """PostgreSQL client connections and Redis clients gained."""
    return (end.pg_connections - start.pg_connections) + (end.redis_clients - start.redis_clients)


def problems(result: Soak) -> list[str]:
    """Why the soak failed (empty: it passed)."""
    start, end = result.samples[0], result.samples[-1]
    found = [f"{g.name} grew {g.rss_kib / 1024:.1f} MiB" for g in growths(start, end) if not g.flat]
    found += [f"{g.name} holds {g.fds} more fds" for g in growths(start, end) if g.leaks_fds]
    if connections(start, end) > CONNECTIONS_SLACK:
        found.append(f"{connections(start, end)} more connections")
    if result.errors:
        found.append(f"{result.errors} errors: {_errors(result)}")
    if result.drained is None:
        found.append("queues not drained")
    if result.verdict is None or not result.verdict.clean:
        found.append(f"ledger: {result.verdict.summary if result.verdict else 'not checked'}")
    return found + result.exited


def _errors(result: Soak) -> str:
    ledger = result.ledger
    parts = [f"{n} {kind}" for kind, n in sorted(ledger.failures.items())]
    parts += [f"stuck at {where}" for where in ledger.journeys_stuck[:5]]
    parts += ledger.untyped
    if ledger.stale_reads:
        parts.append(f"{ledger.stale_reads} stale reads")
    return ", ".join(parts)


def totals_line(result: Soak) -> str:
    """What the load did."""
    return (
        f"load: {result.journeys} journeys ({result.ledger.journeys_done} whole days, "
        f"{result.tickets} admission tickets), {result.ledger.reads} result reads, "
        f"{result.operations} operations in {result.options.warm_up:g} s of warm-up and "
        f"{result.options.seconds:g} s"
    )


def last_line(result: Soak) -> str:
    """The soak's figure; the RSS growth shown is the process's closest to its allowance."""
    start, end = result.samples[0], result.samples[-1]
    worst = max(growths(start, end), key=lambda g: g.of_allowed)
    verdict = result.verdict
    lost = "?" if verdict is None else str(verdict.lost + verdict.doubled)
    drained = "never" if result.drained is None else f"{result.drained:.1f} s"
    return (
        f"soak: {result.options.seconds:g} s, {result.operations} operations "
        f"(errors {result.errors}); RSS growth max {worst.percent:.1f}% ({worst.name}); "
        f"fds {end.fds - start.fds:+d}; connections {connections(start, end):+d}; "
        f"queues drained in {drained}; lost {lost}"
    )

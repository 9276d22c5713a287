#!/usr/bin/env bash
# Validates docker-compose.yml without Docker:
#   1. against the Compose Specification JSON schema (check-jsonschema's
#      vendored copy, so no network is needed);
#   2. references: every depends_on target is a service (and one waited on
#      with service_healthy has a healthcheck), every secret and named volume a
#      service uses is declared at the top level, every network is declared,
#      every service has an image or a build, and depends_on has no cycle.
#
# Usage: make validate-compose (installs uv and the workspace first), or
#        .ci/validate-compose.sh [COMPOSE_FILE]   (default: docker-compose.yml)
# Finds uv as the Makefile does: $UV, else `uv` on PATH or in ~/.local/bin.
# Exit status: 0 valid, 1 invalid, 2 usage error (or no uv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$root/docker-compose.yml}"
if [[ ! -f "$file" ]]; then
  echo "validate-compose: no such file: $file" >&2
  exit 2
fi

cd "$root"

export PATH="$HOME/.local/bin:$PATH"
uv="${UV:-uv}"
if ! command -v "$uv" >/dev/null; then
  echo "validate-compose: no $uv on PATH or in ~/.local/bin; run \`make validate-compose\`" >&2
  exit 2
fi

echo "validate-compose: schema check of $(basename "$file")"
"$uv" run --frozen check-jsonschema --builtin-schema vendor.compose-spec "$file"

echo "validate-compose: reference check of $(basename "$file")"
"$uv" run --frozen python - "$file" <<'PY'
"""Cross-reference checks the Compose JSON schema cannot express."""

import sys

from ruamel.yaml import YAML  # brought by check-jsonschema

path = sys.argv[1]
with open(path, encoding="utf-8") as fh:
    doc = YAML(typ="safe", pure=True).load(fh)

problems: list[str] = []


def as_mapping(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{what} must be a mapping")
        return {}
    return value


if not isinstance(doc, dict):
    print(f"{path}: not a YAML mapping", file=sys.stderr)
    sys.exit(1)

services = as_mapping(doc.get("services"), "services")
if not services:
    problems.append("no services declared")
secrets = set(as_mapping(doc.get("secrets"), "secrets"))
volumes = set(as_mapping(doc.get("volumes"), "volumes"))
networks = set(as_mapping(doc.get("networks"), "networks")) | {"default"}


def is_named_volume(source: str) -> bool:
    # Bind mounts start with a path; anything else is a named volume.
    return not source.startswith(("/", ".", "~", "$"))


graph: dict[str, list[str]] = {}
for name, svc in services.items():
    where = f"service {name}"
    if not isinstance(svc, dict):
        problems.append(f"{where}: must be a mapping")
        continue

    if not svc.get("image") and not svc.get("build"):
        problems.append(f"{where}: neither image nor build is set")

    deps = svc.get("depends_on") or {}
    targets = list(deps) if isinstance(deps, (list, dict)) else []
    graph[name] = targets
    for target in targets:
        if target == name:
            problems.append(f"{where}: depends on itself")
        elif target not in services:
            problems.append(f"{where}: depends_on {target!r}, which is not a service")
        elif isinstance(deps, dict):
            condition = (deps[target] or {}).get("condition", "service_started")
            other = services[target] if isinstance(services[target], dict) else {}
            check = other.get("healthcheck") or {}
            if condition == "service_healthy" and (not check or check.get("disable")):
                problems.append(
                    f"{where}: waits for {target!r} to be healthy but {target!r} has no healthcheck"
                )
            if condition == "service_completed_successfully" and other.get("restart") not in (
                None, "no", "on-failure"
            ):
                problems.append(
                    f"{where}: waits for {target!r} to complete but {target!r} restarts"
                    f" ({other.get('restart')})"
                )

    for ref in svc.get("secrets") or []:
        source = ref.get("source") if isinstance(ref, dict) else ref
        if source not in secrets:
            problems.append(f"{where}: secret {source!r} is not declared under top-level secrets")

    for ref in svc.get("volumes") or []:
        if isinstance(ref, str):
            parts = ref.split(":")
            source = parts[0] if len(parts) > 1 else None  # "/path" alone: anonymous
            kind = "volume" if source and is_named_volume(source) else "other"
        elif isinstance(ref, dict):
            source, kind = ref.get("source"), ref.get("type", "volume")
        else:
            continue
        if kind == "volume" and source and source not in volumes:
            problems.append(f"{where}: volume {source!r} is not declared under top-level volumes")

    nets = svc.get("networks") or []
    for net in list(nets) if isinstance(nets, (list, dict)) else []:
        if net not in networks:
            problems.append(f"{where}: network {net!r} is not declared under top-level networks")

for name, spec in as_mapping(doc.get("secrets"), "secrets").items():
    if not isinstance(spec, dict) or not (
        spec.get("file") or spec.get("environment") or spec.get("external")
    ):
        problems.append(f"secret {name}: needs file, environment or external")

# depends_on cycles (compose refuses to start them).
state: dict[str, int] = {}


def visit(node: str, trail: list[str]) -> None:
    state[node] = 1
    for nxt in graph.get(node, []):
        if nxt not in graph:
            continue
        if state.get(nxt) == 1:
            cycle = trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt]
            problems.append("depends_on cycle: " + " -> ".join(cycle))
        elif state.get(nxt) is None:
            visit(nxt, trail + [nxt])
    state[node] = 2


for node in graph:
    if state.get(node) is None:
        visit(node, [node])

if problems:
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    sys.exit(1)
print(f"ok -- {len(services)} services, references resolve")
PY

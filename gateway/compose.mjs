#!/usr/bin/env node
// Compose the Zikao supergraph from the subgraph SDL files with Apollo's
// composer (@apollo/composition), the same library `rover supergraph compose`
// uses. The result is served by the Python gateway and by Hive Gateway alike.
//
// Usage:
//   node gateway/compose.mjs --out gateway/supergraph.graphql \
//     identity=http://127.0.0.1:8001/graphql=gateway/subgraphs/identity.graphql \
//     records=http://127.0.0.1:8002/graphql=gateway/subgraphs/records.graphql \
//     documents=http://127.0.0.1:8003/graphql=gateway/subgraphs/documents.graphql
//
//   --out FILE   where the supergraph SDL is written (stdout when omitted)
//   --check      compose, compare with FILE and exit 1 if it differs (writes nothing)
//   --quiet      do not print composition hints
//
// Each positional argument is NAME=URL=SDL_FILE. The URL may itself contain "="
// (a query string): the name is everything before the first "=", the file
// everything after the last one.
//
// Output is deterministic: subgraphs are composed in name order whatever the
// argument order, and the file always ends with exactly one newline.
// Exit codes: 0 ok, 1 composition failed or --check found a difference,
// 2 bad usage or unreadable input.

import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { parse, Source } from "graphql";
import { composeServices } from "@apollo/composition";

function usage(message) {
  if (message) process.stderr.write(`compose: ${message}\n`);
  process.stderr.write(
    "usage: node gateway/compose.mjs [--out FILE] [--check] [--quiet] NAME=URL=SDL_FILE...\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { out: null, check: false, quiet: false, services: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--out" || arg === "-o") {
      opts.out = argv[(i += 1)];
      if (!opts.out) usage("--out needs a file name");
    } else if (arg.startsWith("--out=")) {
      opts.out = arg.slice("--out=".length);
    } else if (arg === "--check") {
      opts.check = true;
    } else if (arg === "--quiet" || arg === "-q") {
      opts.quiet = true;
    } else if (arg === "--help" || arg === "-h") {
      usage();
    } else if (arg.startsWith("-")) {
      usage(`unknown option ${arg}`);
    } else {
      const first = arg.indexOf("=");
      const last = arg.lastIndexOf("=");
      if (first <= 0 || last === first) usage(`expected NAME=URL=SDL_FILE, got ${arg}`);
      const name = arg.slice(0, first);
      const url = arg.slice(first + 1, last);
      const file = arg.slice(last + 1);
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) usage(`bad subgraph name ${JSON.stringify(name)}`);
      if (!url || !file) usage(`expected NAME=URL=SDL_FILE, got ${arg}`);
      opts.services.push({ name, url, file });
    }
  }
  if (opts.services.length === 0) usage("no subgraphs given");
  if (opts.check && !opts.out) usage("--check needs --out FILE to compare with");
  const names = new Set();
  for (const s of opts.services) {
    if (names.has(s.name)) usage(`subgraph ${s.name} given twice`);
    names.add(s.name);
  }
  return opts;
}

function location(node) {
  // SubgraphASTNode: a graphql-js AST node plus the name of its subgraph.
  const where = node?.subgraph ? `[${node.subgraph}]` : "";
  const loc = node?.loc;
  if (loc?.source && typeof loc.start === "number") {
    const body = loc.source.body;
    const before = body.slice(0, loc.start);
    const line = before.split("\n").length;
    const column = loc.start - before.lastIndexOf("\n");
    return `${where} ${loc.source.name}:${line}:${column}`.trim();
  }
  return where;
}

function describe(prefix, code, message, nodes) {
  const lines = [`${prefix} [${code ?? "UNKNOWN"}] ${message}`];
  for (const node of nodes ?? []) {
    const where = location(node);
    if (where) lines.push(`    at ${where}`);
  }
  return lines.join("\n");
}

const opts = parseArgs(process.argv.slice(2));

const services = [];
for (const { name, url, file } of [...opts.services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    process.stderr.write(`compose: cannot read SDL of subgraph ${name} from ${file}: ${err.message}\n`);
    process.exit(2);
  }
  let typeDefs;
  try {
    // The source name shows up in error locations: use the file name as given.
    typeDefs = parse(new Source(text, file));
  } catch (err) {
    process.stderr.write(`compose: ${file} (subgraph ${name}) is not valid GraphQL SDL: ${err.message}\n`);
    process.exit(2);
  }
  services.push({ name, url, typeDefs });
}

const result = composeServices(services);

if (result.errors && result.errors.length > 0) {
  process.stderr.write(`compose: composition FAILED with ${result.errors.length} error(s):\n`);
  for (const err of result.errors) {
    process.stderr.write(`${describe("  error", err.extensions?.code, err.message, err.nodes)}\n`);
  }
  process.exit(1);
}

if (!opts.quiet) {
  for (const hint of result.hints ?? []) {
    const level = hint.definition?.level?.name ?? "HINT";
    process.stderr.write(`${describe(`  hint(${level})`, hint.definition?.code, hint.message, hint.nodes)}\n`);
  }
}

const sdl = `${result.supergraphSdl.replace(/\s+$/, "")}\n`;

if (opts.check) {
  const current = existsSync(opts.out) ? readFileSync(opts.out, "utf8") : null;
  if (current === sdl) {
    process.stderr.write(`compose: ${opts.out} is up to date (${services.length} subgraphs)\n`);
    process.exit(0);
  }
  process.stderr.write(
    current === null
      ? `compose: ${opts.out} does not exist; run the composition\n`
      : `compose: ${opts.out} is out of date; run the composition again and commit it\n`,
  );
  process.exit(1);
}

if (opts.out) {
  // Written in place, and only when it changed: Hive Gateway watches this file
  // and reloads on a change event, but stops watching for good when the file is
  // replaced by a rename (so no write-to-temp-then-rename here).
  const current = existsSync(opts.out) ? readFileSync(opts.out, "utf8") : null;
  const names = services.map((s) => s.name).join(", ");
  if (current === sdl) {
    process.stderr.write(`compose: ${opts.out} unchanged (${names})\n`);
  } else {
    writeFileSync(opts.out, sdl);
    process.stderr.write(`compose: wrote ${opts.out} (${names})\n`);
  }
} else {
  process.stdout.write(sdl);
}

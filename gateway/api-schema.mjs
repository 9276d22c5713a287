#!/usr/bin/env node
// Print the client-facing API schema of a supergraph: what a client of the
// gateway sees (no join__/link__ machinery, no @inaccessible elements).
//
// Usage:
//   node gateway/api-schema.mjs gateway/supergraph.graphql > api.graphql
//
// Uses @apollo/federation-internals (the library behind @apollo/composition and
// Apollo's query planner): Supergraph.build validates the supergraph, and
// apiSchema() strips the federation machinery. Exit 1 if the supergraph is invalid.

import { readFileSync } from "node:fs";
import { Supergraph, printSchema } from "@apollo/federation-internals";

const args = process.argv.slice(2);
if (args.length !== 1 || args[0].startsWith("-")) {
  process.stderr.write("usage: node gateway/api-schema.mjs SUPERGRAPH_FILE\n");
  process.exit(2);
}

let sdl;
try {
  sdl = readFileSync(args[0], "utf8");
} catch (err) {
  process.stderr.write(`api-schema: cannot read ${args[0]}: ${err.message}\n`);
  process.exit(2);
}

let text;
try {
  const api = Supergraph.build(sdl).apiSchema();
  text = printSchema(api);
} catch (err) {
  const errors = err?.causes ?? [err];
  process.stderr.write(`api-schema: ${args[0]} is not a valid supergraph:\n`);
  for (const e of errors) process.stderr.write(`  ${e.extensions?.code ?? "ERROR"}: ${e.message}\n`);
  process.exit(1);
}

process.stdout.write(`${text.replace(/\s+$/, "")}\n`);

// Hive Gateway (@graphql-hive/gateway) configuration for Zikao: the federation
// router that serves the same supergraph as the Python gateway when one machine
// is not enough.
//
// Run from the repository root:
//   npx hive-gateway supergraph gateway/supergraph.graphql --config-path gateway/gateway.config.mjs
//
// hive-gateway only looks for ./gateway.config.{ts,mts,cts,js,mjs,cjs} in the
// working directory, so this file is always passed with --config-path (-c).
// Command-line flags (--port, --host, the supergraph argument) win over the
// values below.
//
// Environment:
//   GATEWAY_PORT   port to listen on (default 4000)
//   GATEWAY_HOST   address to listen on (default 127.0.0.1; 0.0.0.0 in containers)
//   IDENTITY_URL, RECORDS_URL, DOCUMENTS_URL
//                  override the subgraph URLs recorded in the supergraph
//                  (@join__graph(url:), composed as http://127.0.0.1:800N/graphql)
//   HIVE_LOG_LEVEL trace | debug | info | warn | error | false (default false: on a
//                  subgraph failure Hive logs the request with its variables, which may
//                  hold personal data, so logging is opt-in);
//                  LOG_JSON=1 makes the logs JSON lines
//   ZIKAO_ENV      "production" turns GraphiQL off
//
// Note that hive-gateway also reads PORT and HOST from the environment itself
// (they map to --port/--host and win over GATEWAY_PORT/GATEWAY_HOST).

import { fileURLToPath } from "node:url";
import { defineConfig } from "@graphql-hive/gateway";

const env = process.env;

/** Subgraph name (as in @join__graph(name:)) -> environment variable with its URL. */
const SUBGRAPH_URL_ENV = {
  identity: "IDENTITY_URL",
  records: "RECORDS_URL",
  documents: "DOCUMENTS_URL",
};

/** Headers copied from the client's request onto every subgraph request. X-Forwarded-For must be
 *  written by the load balancer in front (identity rate-limits by its last address). */
const PROPAGATED_HEADERS = ["authorization", "x-request-id", "x-forwarded-for"];

function port() {
  const raw = env.GATEWAY_PORT;
  if (raw === undefined || raw === "") return 4000;
  const value = Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0 || value > 65535 || String(value) !== raw.trim()) {
    throw new Error(`GATEWAY_PORT must be a TCP port number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function logLevel() {
  const raw = (env.HIVE_LOG_LEVEL ?? "false").trim().toLowerCase();
  if (raw === "false" || raw === "off" || raw === "none") return false;
  if (["trace", "debug", "info", "warn", "error"].includes(raw)) return raw;
  throw new Error(`HIVE_LOG_LEVEL must be trace|debug|info|warn|error|false, got ${JSON.stringify(raw)}`);
}

const transportEntries = {
  // Every HTTP subgraph: do not merge identical in-flight subgraph requests
  // (the default would flatter benchmarks that repeat one request body, and
  // the Python gateway does not do it either).
  "*.http": {
    options: {
      deduplicateInflightRequests: false,
    },
  },
};
for (const [subgraph, variable] of Object.entries(SUBGRAPH_URL_ENV)) {
  const url = env[variable];
  if (url) transportEntries[subgraph] = { location: url };
}

export const gatewayConfig = defineConfig({
  // Default supergraph, next to this file whatever the working directory; the
  // positional argument of `hive-gateway supergraph FILE` replaces it.
  supergraph: fileURLToPath(new URL("./supergraph.graphql", import.meta.url)),
  host: env.GATEWAY_HOST || "127.0.0.1",
  port: port(),
  graphqlEndpoint: "/graphql",
  // Same probe paths as every other Zikao process.
  healthCheckEndpoint: "/healthz",
  readinessCheckEndpoint: "/readyz",
  landingPage: false,
  graphiql: env.ZIKAO_ENV !== "production",
  logging: logLevel(),
  transportEntries,
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers = {};
      for (const name of PROPAGATED_HEADERS) {
        const value = request.headers.get(name);
        if (value) headers[name] = value;
      }
      return headers;
    },
  },
  // No merging of identical concurrent client requests (false is the default
  // today; stated so that an upgrade cannot change benchmark results silently).
  inboundInflightRequestDeduplication: false,
});

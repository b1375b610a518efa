import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_KEY } from "./load.ts";

/**
 * Writes `DIR/NAME.yaml`: the config every benchmark runs the gateway with, so that they all measure the
 * same thing. The full pipeline in front of the mock: one API key (auth runs), a ledger in its own SQLite
 * file (`DIR/NAME.db`), warn-level logs. Only keys every build of the gateway understands, so an older
 * checkout can run it as a baseline. Returns the file's path.
 */
export function writeGatewayConfig(
  dir: string,
  name: string,
  port: number,
  mockUrl: string,
  routing = false,
): string {
  const file = join(dir, `${name}.yaml`);
  const yaml = [
    "server:",
    `  port: ${port}`,
    "  shutdown_grace_ms: 1000",
    "providers:",
    "  - name: mock",
    `    base_url: ${mockUrl}/v1`,
    "    models: [mock-small]",
    ...(routing ? routingProviders(mockUrl) : []),
    "keys:",
    "  - name: bench",
    `    key: ${API_KEY}`,
    "usage:",
    `  path: ${join(dir, `${name}.db`)}`,
    "log:",
    "  level: warn",
    ...(routing ? ROUTING : []),
  ];
  writeFileSync(file, `${yaml.join("\n")}\n`);
  return file;
}

/**
 * With `BENCH_ROUTING=1`, the gateway (never the baseline) routes the bench's model over two deployments of
 * the mock (one provider twice, as `mock` and `mock-b`), with the latency strategy, the breaker and a queue
 * on each: what issue 7's performance target measures against the chain without them.
 */
const ROUTING = [
  "routing:",
  "  models:",
  "    - name: mock-small",
  "      strategy: latency",
  "      deployments:",
  "        - { provider: mock, model: mock-small, max_concurrency: 512, max_queue: 512 }",
  "        - { provider: mock-b, model: mock-small, max_concurrency: 512, max_queue: 512 }",
];

/** The second provider the routed bench needs, pointing at the same mock. */
export function routingProviders(mockUrl: string): string[] {
  return ["  - name: mock-b", `    base_url: ${mockUrl}/v1`, "    models: [mock-small]"];
}

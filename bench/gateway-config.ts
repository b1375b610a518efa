import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { API_KEY } from "./load.ts";

/**
 * Writes `DIR/NAME.yaml`: the config every benchmark runs the gateway with, so that they all measure the
 * same thing. The full pipeline in front of the mock: one API key (auth runs), a ledger in its own SQLite
 * file (`DIR/NAME.db`), warn-level logs. Only keys every build of the gateway understands, so an older
 * checkout can run it as a baseline. Returns the file's path.
 */
export function writeGatewayConfig(dir: string, name: string, port: number, mockUrl: string): string {
  const file = join(dir, `${name}.yaml`);
  const yaml = [
    "server:",
    `  port: ${port}`,
    "  shutdown_grace_ms: 1000",
    "providers:",
    "  - name: mock",
    `    base_url: ${mockUrl}/v1`,
    "    models: [mock-small]",
    "keys:",
    "  - name: bench",
    `    key: ${API_KEY}`,
    "usage:",
    `  path: ${join(dir, `${name}.db`)}`,
    "log:",
    "  level: warn",
  ];
  writeFileSync(file, `${yaml.join("\n")}\n`);
  return file;
}

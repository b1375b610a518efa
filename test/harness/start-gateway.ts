import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { type MockOptions, type MockUpstream, startMockUpstream } from "../../mock/index.ts";
import { type GatewayOptions, type RunningGateway, startGateway } from "../../server/app.ts";
import { parseConfig } from "../../server/config/load-config.ts";

export interface TestGateway {
  /** The gateway's base URL, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** The mock upstream behind the gateway (provider name "mock"). */
  readonly mock: MockUpstream;
  readonly running: RunningGateway;
  /** The gateway's ledger file (read back by observe.ts's `ledgerEntries`). */
  readonly ledgerPath: string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /**
   * Extra config, merged over the defaults (a provider "mock" in front of the mock upstream). A function
   * receives the mock's URL, for providers of other types that point at it.
   */
  readonly config?: Record<string, unknown> | ((mockUrl: string) => Record<string, unknown>);
  readonly mock?: MockOptions;
  /** The gateway's logger; silent by default. */
  readonly log?: Logger;
  /** What an embedder hands `startGateway` (telemetry hooks). */
  readonly embedder?: GatewayOptions;
}

/**
 * Starts a real mock upstream and a real gateway, both on ephemeral ports,
 * with a throwaway ledger file. Tests talk to it over real sockets.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const mock = await startMockUpstream(options.mock);
  const dir = mkdtempSync(join(tmpdir(), "llmgw-test-"));
  const extra = typeof options.config === "function" ? options.config(mock.url) : options.config;
  const { providers, server, usage, ...rest } = extra ?? {};
  const config = parseConfig({
    server: { port: 0, shutdown_grace_ms: 500, ...(server as object) },
    providers: (providers as unknown[]) ?? [
      { name: "mock", base_url: `${mock.url}/v1`, models: ["mock-small"] },
    ],
    usage: { path: join(dir, "ledger.db"), ...(usage as object) },
    ...rest,
  });
  const running = await startGateway(config, options.log ?? pino({ level: "silent" }), options.embedder);
  return {
    url: running.url,
    port: running.address.port,
    mock,
    running,
    ledgerPath: config.usage.path,
    async close() {
      await running.close(200);
      await mock.close();
    },
  };
}

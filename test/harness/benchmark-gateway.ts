import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLlmgwClient, createNodeTransport, type LlmgwClient } from "../../sdk/index.ts";
import { startTestGateway, type TestGateway } from "./start-gateway.ts";

export const BENCH_ADMIN = "sk-bench-admin-1";
export const BENCH_USER = "sk-bench-user-1";

/** A fresh ledger file path, to start several gateways on in turn (a restart). */
export function benchmarkLedgerPath(): string {
  return join(mkdtempSync(join(tmpdir(), "llmgw-bench-")), "ledger.db");
}

/**
 * A gateway in front of the mock with two routed models for the suite:
 * `smart` (a provider whose mock deployment always answers "C", and is
 * slower to its first token) and `plain` (the mock's lorem ipsum). Both are
 * priced, so results carry a cost. The config says `plain` is the better
 * (quality 0.9 against 0.2): the benchmark measures the opposite.
 */
export function startBenchmarkGateway(
  ledgerPath: string,
  extra: Record<string, unknown> = {},
): Promise<TestGateway> {
  return startTestGateway({
    config: (mockUrl) => ({
      providers: [
        {
          name: "smart",
          base_url: `${mockUrl}/v1`,
          discover: false,
          models: [{ id: "mock-large", pricing: { input: 2, output: 8 } }],
          headers: { "x-mock-reply": "C", "x-mock-ttft-ms": "15" },
        },
        {
          name: "plain",
          base_url: `${mockUrl}/v1`,
          discover: false,
          models: [{ id: "mock-small", pricing: { input: 0.5, output: 1 } }],
          headers: { "x-mock-ttft-ms": "5" },
        },
      ],
      routing: {
        health: { probe_interval_ms: 0 },
        models: [
          { name: "smart", deployments: [{ provider: "smart", model: "mock-large", quality: 0.2 }] },
          { name: "plain", deployments: [{ provider: "plain", model: "mock-small", quality: 0.9 }] },
        ],
      },
      keys: [
        { name: "ops", key: BENCH_ADMIN, admin: true },
        { name: "app", key: BENCH_USER },
      ],
      usage: { path: ledgerPath },
      // The shared test machine is busy at times: event-loop lag must not shed the polls these tests make.
      overload: { enabled: false },
      ...extra,
    }),
  });
}

/** The SDK over connect-node's Connect protocol (HTTP/1.1), as `key`. */
export function benchmarkClient(gw: TestGateway, key: string): LlmgwClient {
  return createLlmgwClient(createNodeTransport({ baseUrl: gw.url, protocol: "connect", apiKey: key }));
}

import type OpenAI from "openai";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { openaiClient } from "./openai-client.ts";
import { startTestGateway, type TestGateway, type TestGatewayOptions } from "./start-gateway.ts";

/**
 * The hooks that give a test file (or a describe block) its own gateway, so each file states only how
 * the gateway is configured. `ready` hands the started gateway to the file's own variables, which keeps
 * the tests themselves written against plain `gw` and `openai`.
 */

/** Starts a test gateway with `options` before all tests of the enclosing block and closes it after. */
export function useTestGateway(options: TestGatewayOptions, ready: (gw: TestGateway) => void): void {
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    gw = await startTestGateway(options);
    ready(gw);
  });
  afterAll(async () => {
    await gw?.close();
  });
}

/** The providers a file tests, given the mock upstream's URL (they replace the default "mock" provider). */
export type ProvidersFor = (mockUrl: string) => Record<string, unknown>[];

/**
 * An adapter file's gateway: only the providers it tests, in front of a mock upstream serving `models`,
 * with an SDK client; the mock's recorded requests are forgotten before each test, so `lastUpstream`
 * sees only that test's calls.
 */
export function useProviderGateway(
  models: readonly string[],
  providers: ProvidersFor,
  ready: (gw: TestGateway, openai: OpenAI) => void,
): void {
  let gw: TestGateway | undefined;
  const options = { mock: { models: [...models] }, config: (url: string) => ({ providers: providers(url) }) };
  useTestGateway(options, (started) => {
    gw = started;
    ready(started, openaiClient(started));
  });
  beforeEach(() => {
    gw?.mock.reset();
  });
}

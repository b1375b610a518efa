import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADAPTERS } from "../harness/conformance-cases.ts";
import { startTestGateway, type TestGateway } from "../harness/start-gateway.ts";
import { fuzzParameters, fuzzTimeoutMs, MEMORY_BOUND_BYTES, memoryInUse } from "./fuzz-settings.ts";
import { type Mangling, type ManglingUpstream, startManglingUpstream } from "./mangling-upstream.ts";
import { isErrorBody, streamEnded } from "./surface-formats.ts";

/**
 * Mangled SSE and NDJSON from the upstream, for every adapter: split
 * anywhere, cut short (cleanly or by a reset), an event duplicated, bytes
 * that are not UTF-8. Invariants: every stream the caller gets ends with a
 * final chunk and [DONE] or with an error event; every unary answer is a
 * completion or an OpenAI error (never a 500); memory stays bounded.
 */

const KEY = "sk-fuzz-upstream-key";
let gw: TestGateway;
let mangler: ManglingUpstream;
let memoryBefore = 0;
beforeAll(async () => {
  mangler = await startManglingUpstream();
  gw = await startTestGateway({
    mock: { models: ADAPTERS.map((a) => a.upstreamModel) },
    config: (mockUrl) => {
      mangler.target = mockUrl;
      return {
        keys: [{ name: "app", key: KEY }],
        providers: ADAPTERS.map((a) => ({
          ...a.provider(mangler.url),
          models: [a.upstreamModel],
          discover: false,
          // One try: a retry would hide what the adapter made of the mangled answer.
          timeout_ms: 5_000,
        })),
        routing: { retry: { max_attempts: 1 } },
      };
    },
  });
  memoryBefore = memoryInUse();
});
afterAll(async () => {
  expect(memoryInUse() - memoryBefore).toBeLessThan(MEMORY_BOUND_BYTES);
  await gw?.close();
  await mangler?.close();
});

const mangling: fc.Arbitrary<Mangling> = fc.record({
  cuts: fc.array(fc.nat(4000), { maxLength: 8 }),
  truncate: fc.option(fc.nat(4000), { nil: undefined }),
  abrupt: fc.boolean(),
  duplicate: fc.option(fc.nat(40), { nil: undefined }),
  invalidUtf8: fc.option(fc.nat(4000), { nil: undefined }),
});

describe.each(ADAPTERS)("the $adapter adapter under a mangled upstream", ({ model }) => {
  it(
    "ends every stream with a final chunk or an error event, and answers every unary call",
    async () => {
      // The mangling must reach the adapter: some answers have to come out as errors.
      let failed = 0;
      await fc.assert(
        fc.asyncProperty(mangling, fc.boolean(), async (plan, stream) => {
          mangler.next = plan;
          const res = await fetch(`${gw.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
            body: JSON.stringify({
              model,
              messages: [{ role: "user", content: "tell me a story" }],
              stream,
              ...(stream ? { stream_options: { include_usage: true } } : {}),
              max_tokens: 12,
            }),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          expect(res.status, text).not.toBe(500);
          if (res.status >= 400 || text.includes('"error":')) failed++;
          if (res.status >= 400) expect(isErrorBody("openai", text), text).toBe(true);
          else if (stream) expect(streamEnded("openai", text), text).toBe(true);
          else expect(JSON.parse(text).choices?.length, text).toBeGreaterThan(0);
        }),
        fuzzParameters(15),
      );
      expect(failed).toBeGreaterThan(0);
    },
    fuzzTimeoutMs(),
  );
});

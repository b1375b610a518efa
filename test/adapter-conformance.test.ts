import OpenAI, { APIError, BadRequestError, RateLimitError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ADAPTERS,
  CASES,
  ERROR_CASES,
  restSender,
  startConformanceGateway,
  toOpenAI,
  UNSUPPORTED,
  unsupported,
} from "./harness/conformance-cases.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The adapter acceptance suite: one set of cases, run for each of the five adapters against the mock
 * upstream speaking that provider's wire format, with the `openai` SDK as the caller, each case streamed
 * and not. Cases, adapters and the capability table (UNSUPPORTED: what an adapter answers with a 400
 * instead) live in ./harness/conformance-cases.ts, shared with the gRPC twin of this file.
 */

const MODES = [
  { stream: false, mode: "non-streamed" },
  { stream: true, mode: "streamed" },
];

let gw: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  gw = await startConformanceGateway();
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-unused", maxRetries: 0, timeout: 10_000 });
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.mock.reset();
});

async function failure(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

it("has a capability row for every adapter", () => {
  expect(Object.keys(UNSUPPORTED).sort()).toEqual(ADAPTERS.map((a) => a.adapter).sort());
});

describe.each(ADAPTERS)("$adapter adapter ($model)", (adapter) => {
  describe.each(MODES)("$mode", ({ stream }) => {
    const send = (chat: Parameters<ReturnType<typeof restSender>>[0]) =>
      restSender(openai, adapter.model, stream)(chat);

    for (const c of CASES) {
      const missing = unsupported(adapter, c);
      if (missing === undefined) {
        it(c.name, async () => {
          const results = await c.run(send, { adapter, gw });
          c.check(results, { adapter, gw });
        });
      } else {
        it(`${c.name}: 400 naming ${missing.feature} and the provider`, async () => {
          const params = toOpenAI(adapter.model, c.request);
          const error = await failure(
            stream
              ? openai.chat.completions.create({ ...params, stream: true }).then(async (s) => {
                  for await (const _ of s);
                })
              : openai.chat.completions.create(params),
          );
          expect(error).toBeInstanceOf(BadRequestError);
          expect(error.status).toBe(400);
          expect(error.message).toMatch(missing.message);
          expect(gw.mock.requests).toHaveLength(0);
        });
      }
    }

    for (const e of ERROR_CASES) {
      it(`maps an ${e.name} to ${e.status}`, async () => {
        const error = await failure(send(e.request));
        expect(error.status).toBe(e.status);
        if (e.status === 429) expect(error).toBeInstanceOf(RateLimitError);
        if (e.retryAfter !== undefined) expect(error.headers?.get("retry-after")).toBe(String(e.retryAfter));
      });
    }
  });
});

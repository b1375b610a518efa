import { type Client, Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatService } from "../gen/llmgw/v1/chat_pb.js";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import {
  ADAPTERS,
  CASES,
  type ChatTurn,
  ERROR_CASES,
  restSender,
  rpcSender,
  startConformanceGateway,
  unsupported,
} from "./harness/conformance-cases.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The adapter acceptance suite over gRPC: the same cases as adapter-conformance.test.ts, sent as canonical
 * ChatRequests to ChatService.Complete and ChatService.Stream (connect-node, gRPC over h2c) on the same
 * gateway. Each case runs over REST too, and both answers must normalize to the same
 * {text, toolCalls, finishReason, usage}. Errors must map to the right Connect codes.
 */

const MODES = [
  { stream: false, mode: "Complete" },
  { stream: true, mode: "Stream" },
];

/** The Connect code and gateway error code each upstream status must become. */
const MAPPED: Record<number, { code: Code; detail: string }> = {
  429: { code: Code.ResourceExhausted, detail: "upstream_rate_limited" },
  503: { code: Code.Unavailable, detail: "upstream_unavailable" },
};

let gw: TestGateway;
let openai: OpenAI;
let chat: Client<typeof ChatService>;

beforeAll(async () => {
  gw = await startConformanceGateway();
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "sk-unused", maxRetries: 0, timeout: 10_000 });
  chat = createClient(ChatService, createGrpcTransport({ baseUrl: gw.url }));
});

afterAll(async () => {
  await gw?.close();
});

beforeEach(() => {
  gw.mock.reset();
});

async function failure<E>(promise: Promise<unknown>, as: (e: unknown) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return as(error);
  }
  throw new Error("expected the call to fail");
}

const asConnect = (e: unknown) => ConnectError.from(e);
const asApi = (e: unknown) => {
  if (e instanceof APIError) return e;
  throw e;
};

describe.each(ADAPTERS)("$adapter adapter ($model) over gRPC", (adapter) => {
  describe.each(MODES)("ChatService.$mode", ({ stream }) => {
    const rest = (turn: ChatTurn) => restSender(openai, adapter.model, stream)(turn);
    const rpc = (turn: ChatTurn) => rpcSender(chat, adapter.model, stream)(turn);
    const provider = adapter.model.slice(0, adapter.model.indexOf(":"));

    for (const c of CASES) {
      const missing = unsupported(adapter, c);
      if (missing === undefined) {
        it(`${c.name}: the same canonical answer as REST`, async () => {
          const viaRest = await c.run(rest, { adapter, gw });
          const viaRpc = await c.run(rpc, { adapter, gw });
          c.check(viaRpc, { adapter, gw });
          expect(viaRpc).toEqual(viaRest);
        });
      } else {
        it(`${c.name}: InvalidArgument naming ${missing.feature} and the provider, as REST's 400`, async () => {
          const error = await failure(rpc(c.request), asConnect);
          expect(error.code).toBe(Code.InvalidArgument);
          expect(error.rawMessage).toMatch(missing.message);
          const [detail] = error.findDetails(ErrorDetailSchema);
          expect(detail).toMatchObject({ code: "invalid_request", retryable: false, provider });
          expect(gw.mock.requests).toHaveLength(0);

          const restError = await failure(rest(c.request), asApi);
          expect(restError.status).toBe(400);
          expect((restError.error as { message?: string } | undefined)?.message).toBe(error.rawMessage);
        });
      }
    }

    for (const e of ERROR_CASES) {
      const mapped = MAPPED[e.status] as { code: Code; detail: string };
      it(`maps an ${e.name} to ${Code[mapped.code]}`, async () => {
        const error = await failure(rpc(e.request), asConnect);
        expect(error.code).toBe(mapped.code);
        const [detail] = error.findDetails(ErrorDetailSchema);
        expect(detail).toMatchObject({ code: mapped.detail, retryable: true, provider });
        expect(detail?.requestId).not.toBe("");
        if (e.retryAfter !== undefined) expect(detail?.retryAfterMs).toBe(BigInt(e.retryAfter * 1000));
      });
    }
  });
});

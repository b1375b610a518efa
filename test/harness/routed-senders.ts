import { create } from "@bufbuild/protobuf";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { APIError } from "openai";
import { type ChatRequest, ChatRequestSchema, ChatService } from "../../gen/llmgw/v1/chat_pb.js";
import type { GatewayMetadata } from "../../gen/llmgw/v1/usage_pb.js";
import { type GatewayMeta, meta, openaiClient } from "./openai-client.ts";
import type { TestGateway } from "./start-gateway.ts";

/**
 * One chat sent four ways (REST unary and streamed through the `openai` SDK, RPC unary and streamed
 * through connect-node), with the answer or the failure normalised so one routing case can assert the
 * same thing of each: the text, the gateway's metadata, and how a failure reached the caller.
 */

export type Way = "rest-unary" | "rest-stream" | "rpc-unary" | "rpc-stream";
export const WAYS: readonly Way[] = ["rest-unary", "rest-stream", "rpc-unary", "rpc-stream"];

export interface Routed {
  readonly text: string;
  readonly meta: Pick<GatewayMeta, "attempts" | "fallback_used" | "deployment" | "queue_ms"> & {
    readonly strategy: string;
  };
}

export interface RoutedFailure {
  /** The HTTP status (REST) or Connect code name (RPC). */
  readonly status: number | string;
  readonly message: string;
  /** Text the caller had received before the failure (a stream cut after its first token). */
  readonly textBefore: string;
  readonly retryAfter: string | undefined;
}

/** `signal` aborts the call as a caller that leaves does (the SDK closes its request). */
export type Sender = (
  model: string,
  prompt: string,
  headers?: Record<string, string>,
  signal?: AbortSignal,
) => Promise<Routed>;

export function senders(gw: TestGateway): Record<Way, Sender> {
  const openai = openaiClient(gw);
  const rpc: Client<typeof ChatService> = createClient(
    ChatService,
    createConnectTransport({ baseUrl: gw.url, httpVersion: "1.1" }),
  );
  const chat = (model: string, prompt: string): ChatRequest =>
    create(ChatRequestSchema, {
      model,
      messages: [{ role: 3, content: [{ part: { case: "text", value: prompt } }] }],
    });
  return {
    "rest-unary": async (model, prompt, headers, signal) => {
      const done = await openai.chat.completions.create(
        { model, messages: [{ role: "user", content: prompt }] },
        { headers, signal },
      );
      return { text: done.choices[0]?.message.content ?? "", meta: fromRest(meta(done)) };
    },
    "rest-stream": async (model, prompt, headers, signal) => {
      let text = "";
      let last: GatewayMeta | undefined;
      try {
        const stream = await openai.chat.completions.create(
          {
            model,
            messages: [{ role: "user", content: prompt }],
            stream: true,
            stream_options: { include_usage: true },
          },
          { headers, signal },
        );
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? "";
          last = meta(chunk) ?? last;
        }
      } catch (error) {
        throw withText(error, text);
      }
      return { text, meta: fromRest(last as GatewayMeta) };
    },
    "rpc-unary": async (model, prompt, headers, signal) => {
      const done = await rpc.complete({ chat: chat(model, prompt) }, { headers, signal });
      const text = done.choices[0]?.message?.content
        .map((p) => (p.part.case === "text" ? p.part.value : ""))
        .join("");
      return { text: text ?? "", meta: fromRpc(done.gateway) };
    },
    "rpc-stream": async (model, prompt, headers, signal) => {
      let text = "";
      let gateway: GatewayMetadata | undefined;
      try {
        for await (const event of rpc.stream({ chat: chat(model, prompt) }, { headers, signal })) {
          if (event.event.case === "delta") text += event.event.value.text;
          if (event.event.case === "usage") gateway = event.event.value.gateway;
        }
      } catch (error) {
        throw withText(error, text);
      }
      return { text, meta: fromRpc(gateway) };
    },
  };
}

/** Sends and expects a failure, normalised. */
export async function failure(send: Promise<Routed>): Promise<RoutedFailure> {
  try {
    await send;
  } catch (error) {
    return normalise(error);
  }
  throw new Error("expected the call to fail");
}

class CutShort extends Error {
  readonly inner: unknown;
  readonly textBefore: string;
  constructor(inner: unknown, textBefore: string) {
    super("cut short");
    this.inner = inner;
    this.textBefore = textBefore;
  }
}

function withText(error: unknown, text: string): unknown {
  return text === "" ? error : new CutShort(error, text);
}

function normalise(error: unknown): RoutedFailure {
  const textBefore = error instanceof CutShort ? error.textBefore : "";
  const inner = error instanceof CutShort ? error.inner : error;
  if (inner instanceof ConnectError) {
    return {
      status: codeName(inner.code),
      message: inner.rawMessage,
      textBefore,
      retryAfter: inner.metadata.get("retry-after") ?? undefined,
    };
  }
  if (inner instanceof APIError) {
    return {
      status: inner.status ?? 0,
      message: inner.message,
      textBefore,
      retryAfter: inner.headers?.get("retry-after") ?? undefined,
    };
  }
  throw inner;
}

const CODE_NAMES: Record<number, string> = {
  1: "Canceled",
  3: "InvalidArgument",
  4: "DeadlineExceeded",
  8: "ResourceExhausted",
  13: "Internal",
  14: "Unavailable",
};

function codeName(code: number): string {
  return CODE_NAMES[code] ?? String(code);
}

function fromRest(m: GatewayMeta): Routed["meta"] {
  return {
    attempts: m.attempts,
    fallback_used: m.fallback_used,
    deployment: m.deployment,
    queue_ms: m.queue_ms,
    strategy: m.routing_decision?.strategy ?? "",
  };
}

function fromRpc(m: GatewayMetadata | undefined): Routed["meta"] {
  return {
    attempts: m?.attempts ?? 0,
    fallback_used: m?.fallbackUsed ?? false,
    deployment: m?.deployment ?? "",
    queue_ms: m?.queueMs ?? 0,
    strategy: m?.routingDecision?.strategy ?? "",
  };
}

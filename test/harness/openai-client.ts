import OpenAI from "openai";
import type { RecordedRequest } from "../../mock/index.ts";
import type { TestGateway } from "./start-gateway.ts";

/**
 * The `openai` SDK side of the REST tests: a client for a test gateway, request bodies with mock controls
 * attached, stream collection, and the upstream request the mock recorded. Kept in one place so that every
 * adapter file sends and reads the same way and only its cases and assertions differ.
 */

export type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
export type StreamParams = OpenAI.Chat.ChatCompletionCreateParamsStreaming;
export type Chunk = OpenAI.Chat.ChatCompletionChunk;
export type Message = OpenAI.Chat.ChatCompletionMessageParam;
/** Untyped JSON, for assertions that walk what the mock upstream received. */
// biome-ignore lint/suspicious/noExplicitAny: assertions walk the untyped JSON the mock received
export type Json = Record<string, any>;

/** The greeting most cases send; its 4 words are the mock's prompt token count. */
export const HELLO: Message[] = [{ role: "user", content: "Hello there, mock upstream!" }];

/** A prompt whose `[[call_tool]]` marker makes the mock's model call the tool it was given. */
export const TOOL_PROMPT: Message[] = [
  { role: "user", content: "What is the weather in Paris? [[call_tool]]" },
];

/** The one tool the cases offer. */
export const WEATHER_TOOL: OpenAI.Chat.ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** The gateway's own metadata object (`x-llmgw`) on completions, embeddings and a stream's last chunk. */
export interface GatewayMeta {
  request_id: string;
  provider: string;
  model: string;
  latency_ms: number;
  ttft_ms: number;
  cost_usd?: number;
  routing_decision?: { strategy: string; deployment: string; score?: number; complexity?: string };
  attempts: number;
  fallback_used: boolean;
  queue_ms: number;
  deployment: string;
}

/** The `x-llmgw` object of an SDK result; undefined (despite the type) where the gateway sent none. */
export function meta(value: object): GatewayMeta {
  return (value as { "x-llmgw"?: GatewayMeta })["x-llmgw"] as GatewayMeta;
}

/** An SDK client for the gateway's REST surface: no retries, so a failure is seen as it happened. */
export function openaiClient(
  gw: TestGateway,
  apiKey = "sk-unused",
  options: Partial<OpenAI["_options"]> = {},
): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000, ...options });
}

/**
 * The shared mock controls (mock/mock-controls.ts) as a body's `mock` object spells them; a wire
 * format's own controls extend it.
 */
export interface SharedMockControls {
  tokens?: number;
  ttft_ms?: number;
  itl_ms?: number;
  status?: number;
  retry_after?: number;
  drop_after?: number;
  done?: boolean;
  usage?: "chunk" | "finish" | "none";
  tool_call?: boolean | { name?: string; arguments?: string };
  error_body?: string;
}

/** Builds chat bodies for one model; `M` is the file's mock controls, sent as an extra `mock` field. */
export interface RequestBuilders<M extends object> {
  chat(params: Omit<ChatParams, "model"> & { model?: string }, mock?: M, extra?: Json): ChatParams;
  streamed(
    params: Omit<StreamParams, "model" | "stream"> & { model?: string },
    mock?: M,
    extra?: Json,
  ): StreamParams;
}

/**
 * Body builders for `model` (a body may still name another). Streams ask for the usage chunk unless
 * `includeUsage` is false, for files that test what the gateway does without it.
 */
export function requestBuilders<M extends object = SharedMockControls>(
  model: string,
  { includeUsage = true }: { includeUsage?: boolean } = {},
): RequestBuilders<M> {
  const usage = includeUsage ? { stream_options: { include_usage: true } } : {};
  return {
    chat: (params, mock, extra = {}) =>
      ({ model, ...params, ...extra, ...(mock ? { mock } : {}) }) as ChatParams,
    streamed: (params, mock, extra = {}) =>
      ({ model, ...params, stream: true, ...usage, ...extra, ...(mock ? { mock } : {}) }) as StreamParams,
  };
}

/** All the chunks of a stream, in order. */
export async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The streamed text: every chunk's content delta joined. */
export function textOf(chunks: Chunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
}

/** The finish reason of the chunk that carries one. */
export function finishOf(chunks: Chunk[]): string | null | undefined {
  return chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason;
}

/** What a call that must fail rejected with; a call that succeeds fails the test here. */
export function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

/** The last request the mock upstream received, its body as untyped JSON. */
export function lastUpstream(gw: TestGateway): RecordedRequest & { body: Json } {
  const request = gw.mock.requests.at(-1);
  if (request === undefined) throw new Error("the mock upstream received no request");
  return request as RecordedRequest & { body: Json };
}

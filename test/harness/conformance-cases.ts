import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type OpenAI from "openai";
import { expect } from "vitest";
import {
  type ChatRequestSchema,
  type ChatService,
  FinishReason,
  ResponseFormatType,
  Role,
} from "../../gen/llmgw/v1/chat_pb.js";
import { TOOL_PREAMBLE } from "../../mock/mock-anthropic-wire.ts";
import { startTestGateway, type TestGateway } from "./start-gateway.ts";

/**
 * The adapter conformance suite, shared by the REST (openai SDK) and gRPC (connect-node) files: the five
 * adapters, what each can honour, the cases, and the normalizers that turn either surface's answer into
 * one comparable shape.
 */

/** A capability that not every adapter's upstream API has. */
export type Feature = "tools" | "images" | "json";

/**
 * THE CAPABILITY TABLE. For each adapter, the features its upstream API genuinely cannot honour, with the
 * 400 message (naming the feature and the provider) the gateway answers instead of calling upstream. A
 * case that needs a feature listed here expects that 400 / InvalidArgument, never a skip.
 */
export const UNSUPPORTED: Record<string, Partial<Record<Feature, RegExp>>> = {
  openai: {},
  anthropic: { json: /response_format json_object is not supported by provider claude/ },
  gemini: {},
  ollama: {},
  tgi: {
    tools: /tools is not supported by provider tgi/,
    images: /images \(messages\[0\]\) is not supported by provider tgi/,
  },
};

export interface AdapterSpec {
  /** The adapter (provider type). */
  readonly adapter: "openai" | "anthropic" | "gemini" | "ollama" | "tgi";
  /** `provider:model` as callers name it. */
  readonly model: string;
  /** The model the mock upstream is asked for. */
  readonly upstreamModel: string;
  /** Provider config, given the mock's URL. */
  readonly provider: (mockUrl: string) => Record<string, unknown>;
  /** Text the mock's model writes before a tool call (Anthropic's tool_use preamble). */
  readonly toolPreamble: string;
  /** Completion tokens beyond the words for a natural stop (TGI counts its special EOS token). */
  readonly eosTokens: number;
  /** Whether prompt tokens are the prompt's words (TGI renders a template, or estimates). */
  readonly exactPrompt: boolean;
}

export const ADAPTERS: readonly AdapterSpec[] = [
  {
    adapter: "openai",
    model: "openai:mock-small",
    upstreamModel: "mock-small",
    provider: (url) => ({ name: "openai", type: "openai", base_url: `${url}/v1` }),
    toolPreamble: "",
    eosTokens: 0,
    exactPrompt: true,
  },
  {
    adapter: "anthropic",
    model: "claude:claude-test",
    upstreamModel: "claude-test",
    provider: (url) => ({ name: "claude", type: "anthropic", base_url: `${url}/v1`, api_key: "sk-ant-test" }),
    toolPreamble: TOOL_PREAMBLE,
    eosTokens: 0,
    exactPrompt: true,
  },
  {
    adapter: "gemini",
    model: "gemini:gemini-test",
    upstreamModel: "gemini-test",
    provider: (url) => ({ name: "gemini", type: "gemini", base_url: `${url}/v1beta`, api_key: "gem-key" }),
    toolPreamble: "",
    eosTokens: 0,
    exactPrompt: true,
  },
  {
    adapter: "ollama",
    model: "ollama:llama3.2:latest",
    upstreamModel: "llama3.2:latest",
    provider: (url) => ({ name: "ollama", type: "ollama", base_url: url }),
    toolPreamble: "",
    eosTokens: 0,
    exactPrompt: true,
  },
  {
    adapter: "tgi",
    model: "tgi:tgi-test",
    upstreamModel: "tgi-test",
    provider: (url) => ({ name: "tgi", type: "tgi", base_url: url }),
    toolPreamble: "",
    eosTokens: 1,
    exactPrompt: false,
  },
];

/** One gateway with all five providers in front of one mock upstream. */
export function startConformanceGateway(): Promise<TestGateway> {
  return startTestGateway({
    mock: { models: ADAPTERS.map((a) => a.upstreamModel) },
    config: (url) => ({
      providers: ADAPTERS.map((a) => ({ ...a.provider(url), models: [a.upstreamModel], discover: false })),
    }),
  });
}

// ---- requests, in a neutral shape rendered for either surface ----

export const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

export interface ToolCall {
  readonly name: string;
  readonly arguments: string;
}

export type Turn =
  | { role: "system" | "user"; text: string; imagePng?: string }
  | { role: "assistant"; text: string; toolCalls?: Array<ToolCall & { id: string }> }
  | { role: "tool"; callId: string; text: string };

export interface ChatTurn {
  readonly turns: Turn[];
  readonly tools?: boolean;
  readonly json?: boolean;
  readonly maxTokens?: number;
  readonly mock?: JsonObject;
}

const WEATHER_PARAMS = {
  type: "object",
  properties: { city: { type: "string" } },
  required: ["city"],
} satisfies JsonObject;

type OpenAIParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

/** The turn as an OpenAI chat completions body (mock controls as an extra field). */
export function toOpenAI(model: string, chat: ChatTurn): OpenAIParams {
  const messages = chat.turns.map((t): OpenAI.Chat.ChatCompletionMessageParam => {
    switch (t.role) {
      case "tool":
        return { role: "tool", tool_call_id: t.callId, content: t.text };
      case "assistant":
        return {
          role: "assistant",
          content: t.text === "" ? null : t.text,
          ...(t.toolCalls?.length
            ? {
                tool_calls: t.toolCalls.map((c) => ({
                  id: c.id,
                  type: "function" as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
        };
      case "system":
        return { role: "system", content: t.text };
      default:
        return t.imagePng === undefined
          ? { role: "user", content: t.text }
          : {
              role: "user",
              content: [
                { type: "text", text: t.text },
                { type: "image_url", image_url: { url: `data:image/png;base64,${t.imagePng}` } },
              ],
            };
    }
  });
  return {
    model,
    messages,
    ...(chat.tools
      ? {
          tools: [
            {
              type: "function",
              function: {
                name: "get_weather",
                description: "Weather for a city",
                parameters: WEATHER_PARAMS,
              },
            },
          ],
        }
      : {}),
    ...(chat.json ? { response_format: { type: "json_object" } } : {}),
    ...(chat.maxTokens !== undefined ? { max_tokens: chat.maxTokens } : {}),
    ...(chat.mock ? { mock: chat.mock } : {}),
  } as OpenAIParams;
}

type ChatInit = MessageInitShape<typeof ChatRequestSchema>;

const ROLES = { system: Role.SYSTEM, user: Role.USER, assistant: Role.ASSISTANT, tool: Role.TOOL } as const;

/** The same turn as a canonical ChatRequest (mock controls in `extra`). */
export function toCanonical(model: string, chat: ChatTurn): ChatInit {
  return {
    model,
    messages: chat.turns.map((t) => {
      const content: NonNullable<ChatInit["messages"]>[number]["content"] =
        t.text === "" ? [] : [{ part: { case: "text", value: t.text } }];
      if ("imagePng" in t && t.imagePng !== undefined) {
        content.push({
          part: {
            case: "image",
            value: {
              source: { case: "data", value: Buffer.from(t.imagePng, "base64") },
              mediaType: "image/png",
            },
          },
        });
      }
      return {
        role: ROLES[t.role],
        content,
        ...(t.role === "assistant" && t.toolCalls ? { toolCalls: t.toolCalls } : {}),
        ...(t.role === "tool" ? { toolCallId: t.callId } : {}),
      };
    }),
    ...(chat.tools
      ? { tools: [{ name: "get_weather", description: "Weather for a city", parameters: WEATHER_PARAMS }] }
      : {}),
    ...(chat.json ? { responseFormat: { type: ResponseFormatType.JSON_OBJECT } } : {}),
    ...(chat.maxTokens !== undefined ? { maxTokens: chat.maxTokens } : {}),
    ...(chat.mock ? { extra: { mock: chat.mock } } : {}),
  };
}

// ---- answers, normalized ----

export interface Normalized {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string;
  usage: { prompt: number; completion: number; total: number };
}

/** A normalized answer plus the tool call ids, which a follow-up turn needs but no comparison uses. */
export interface Reply {
  readonly result: Normalized;
  readonly callIds: string[];
}

/** Sends one turn, in one mode (streamed or not), over one surface. */
export type Send = (chat: ChatTurn) => Promise<Reply>;

interface CallParts {
  id: string;
  name: string;
  arguments: string;
}

function reply(text: string, calls: CallParts[], finishReason: string, usage: Normalized["usage"]): Reply {
  return {
    result: {
      text,
      toolCalls: calls.map((c) => ({ name: c.name, arguments: c.arguments })),
      finishReason,
      usage,
    },
    callIds: calls.map((c) => c.id),
  };
}

/** Assembles streamed tool call fragments by index. */
function assemble(calls: CallParts[], index: number, id: string, name: string, args: string): void {
  const call = calls[index] ?? { id: "", name: "", arguments: "" };
  if (id) call.id = id;
  if (name) call.name = name;
  call.arguments += args;
  calls[index] = call;
}

/** The openai SDK against the gateway's REST surface. */
export function restSender(openai: OpenAI, model: string, stream: boolean): Send {
  return async (chat) => {
    const params = toOpenAI(model, chat);
    if (!stream) {
      const completion = await openai.chat.completions.create(params);
      const choice = completion.choices[0];
      const calls = (choice?.message.tool_calls ?? []).map((c) => {
        if (c.type !== "function") throw new Error(`unexpected tool call type ${c.type}`);
        return { id: c.id, name: c.function.name, arguments: c.function.arguments };
      });
      const u = completion.usage;
      return reply(choice?.message.content ?? "", calls, choice?.finish_reason ?? "", {
        prompt: u?.prompt_tokens ?? -1,
        completion: u?.completion_tokens ?? -1,
        total: u?.total_tokens ?? -1,
      });
    }
    const chunks = await openai.chat.completions.create({
      ...params,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish = "";
    let usage: Normalized["usage"] = { prompt: -1, completion: -1, total: -1 };
    const calls: CallParts[] = [];
    for await (const chunk of chunks) {
      const choice = chunk.choices[0];
      text += choice?.delta.content ?? "";
      for (const d of choice?.delta.tool_calls ?? []) {
        assemble(calls, d.index, d.id ?? "", d.function?.name ?? "", d.function?.arguments ?? "");
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) {
        const u = chunk.usage;
        usage = { prompt: u.prompt_tokens, completion: u.completion_tokens, total: u.total_tokens };
      }
    }
    return reply(text, calls, finish, usage);
  };
}

const FINISH: Record<FinishReason, string> = {
  [FinishReason.UNSPECIFIED]: "",
  [FinishReason.STOP]: "stop",
  [FinishReason.LENGTH]: "length",
  [FinishReason.TOOL_CALLS]: "tool_calls",
  [FinishReason.CONTENT_FILTER]: "content_filter",
};

/** connect-node against the gateway's ChatService. */
export function rpcSender(client: Client<typeof ChatService>, model: string, stream: boolean): Send {
  return async (chat) => {
    const request = toCanonical(model, chat);
    if (!stream) {
      const res = await client.complete({ chat: request });
      const choice = res.choices[0];
      const text = (choice?.message?.content ?? [])
        .map((p) => (p.part.case === "text" ? p.part.value : ""))
        .join("");
      const u = res.usage;
      return reply(text, choice?.message?.toolCalls ?? [], FINISH[choice?.finishReason ?? 0], {
        prompt: u?.promptTokens ?? -1,
        completion: u?.completionTokens ?? -1,
        total: u?.totalTokens ?? -1,
      });
    }
    let text = "";
    let finish = "";
    let usage: Normalized["usage"] = { prompt: -1, completion: -1, total: -1 };
    const calls: CallParts[] = [];
    let events = 0;
    let last = "";
    for await (const ev of client.stream({ chat: request })) {
      events++;
      last = ev.event.case ?? "";
      switch (ev.event.case) {
        case "delta":
          text += ev.event.value.text;
          break;
        case "toolCall": {
          const d = ev.event.value;
          assemble(calls, d.index, d.id, d.name, d.arguments);
          break;
        }
        case "finish":
          finish = FINISH[ev.event.value.reason];
          break;
        case "usage": {
          const u = ev.event.value.usage;
          usage = {
            prompt: u?.promptTokens ?? -1,
            completion: u?.completionTokens ?? -1,
            total: u?.totalTokens ?? -1,
          };
          break;
        }
      }
    }
    // Streams end explicitly: the last event is always the usage report.
    expect(last, `last of ${events} events`).toBe("usage");
    return reply(text, calls, finish, usage);
  };
}

// ---- the cases ----

export interface CaseContext {
  readonly adapter: AdapterSpec;
  readonly gw: TestGateway;
}

export interface ConformanceCase {
  readonly name: string;
  /** Features the case needs; an adapter that lacks one answers 400 (see UNSUPPORTED). */
  readonly needs: readonly Feature[];
  /** The first turn: the one an unsupported adapter rejects. */
  readonly request: ChatTurn;
  /** Runs the case (it may take several turns) and returns each turn's normalized answer. */
  run(send: Send, ctx: CaseContext): Promise<Normalized[]>;
  /** Checks the answers against what the mock must have said through this adapter. */
  check(results: Normalized[], ctx: CaseContext): void;
}

const hello: Turn[] = [{ role: "user", text: "Hello there, mock upstream!" }];
const conversation: Turn[] = [
  { role: "system", text: "You are terse." },
  { role: "user", text: "Hi" },
  { role: "assistant", text: "Hello!" },
  { role: "user", text: "How are you?" },
];
const toolPrompt: Turn[] = [{ role: "user", text: "What is the weather in Paris? [[call_tool]]" }];
const LOREM = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split(" ");

function lorem(n: number): string {
  return LOREM.slice(0, n).join(" ");
}

/** Usage is present and consistent; `completion` and `prompt` exact where given. */
function checkUsage(result: Normalized, completion?: number, prompt?: number): void {
  const { usage } = result;
  expect(usage.prompt, "prompt tokens").toBeGreaterThan(0);
  expect(usage.completion, "completion tokens").toBeGreaterThan(0);
  expect(usage.total, "total tokens").toBe(usage.prompt + usage.completion);
  if (completion !== undefined) expect(usage.completion, "completion tokens").toBe(completion);
  if (prompt !== undefined) expect(usage.prompt, "prompt tokens").toBe(prompt);
}

function firstTurn(send: Send, chat: ChatTurn): Promise<Normalized[]> {
  return send(chat).then((r) => [r.result]);
}

const weatherCall: ToolCall = { name: "get_weather", arguments: '{"city":"Paris"}' };

function checkToolCall(result: Normalized, ctx: CaseContext): void {
  expect(result.finishReason).toBe("tool_calls");
  expect(result.text).toBe(ctx.adapter.toolPreamble);
  expect(result.toolCalls.map((c) => c.name)).toEqual(["get_weather"]);
  expect(JSON.parse(result.toolCalls[0]?.arguments ?? "")).toEqual({ city: "Paris" });
  checkUsage(result);
}

function lastUpstreamBody(gw: TestGateway): string {
  return JSON.stringify(gw.mock.requests.at(-1)?.body ?? null);
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: "plain chat",
    needs: [],
    request: { turns: hello, mock: { tokens: 5 } },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r], { adapter }) {
      expect(r?.text).toBe(lorem(5));
      expect(r?.toolCalls).toEqual([]);
      expect(r?.finishReason).toBe("stop");
      checkUsage(r as Normalized, 5 + adapter.eosTokens, adapter.exactPrompt ? 4 : undefined);
    },
  },
  {
    name: "multi-turn conversation with a system prompt",
    needs: [],
    request: { turns: conversation, mock: { tokens: 3 } },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r], { adapter, gw }) {
      expect(r?.text).toBe(lorem(3));
      expect(r?.finishReason).toBe("stop");
      // Prompt words: 3 (system) + 1 + 1 + 3.
      checkUsage(r as Normalized, 3 + adapter.eosTokens, adapter.exactPrompt ? 8 : undefined);
      const upstream = lastUpstreamBody(gw);
      for (const text of ["You are terse.", "Hello!", "How are you?"]) expect(upstream).toContain(text);
    },
  },
  {
    name: "tool call round trip",
    needs: ["tools"],
    request: { turns: toolPrompt, tools: true },
    async run(send) {
      const first = await send(this.request);
      const call = first.result.toolCalls[0];
      const id = first.callIds[0];
      if (call === undefined || id === undefined) return [first.result];
      const second = await send({
        tools: true,
        turns: [
          ...toolPrompt,
          { role: "assistant", text: first.result.text, toolCalls: [{ id, ...call }] },
          { role: "tool", callId: id, text: "sunny, 21C" },
        ],
      });
      return [first.result, second.result];
    },
    check([first, second], ctx) {
      checkToolCall(first as Normalized, ctx);
      expect(second?.text).toBe("The tool said: sunny, 21C");
      expect(second?.toolCalls).toEqual([]);
      expect(second?.finishReason).toBe("stop");
      checkUsage(second as Normalized);
    },
  },
  {
    name: "tool call arguments assemble into valid JSON",
    needs: ["tools"],
    request: { turns: toolPrompt, tools: true },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r], ctx) {
      checkToolCall(r as Normalized, ctx);
      expect(r?.toolCalls).toEqual([weatherCall]);
    },
  },
  {
    name: "image input (PNG data URL)",
    needs: ["images"],
    request: {
      turns: [{ role: "user", text: "What is in this image?", imagePng: PNG_BASE64 }],
      mock: { tokens: 2 },
    },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r], { adapter, gw }) {
      expect(r?.text).toBe(lorem(2));
      expect(r?.finishReason).toBe("stop");
      checkUsage(r as Normalized, 2 + adapter.eosTokens);
      // The image reached the upstream, in whatever shape its API takes.
      expect(lastUpstreamBody(gw)).toContain(PNG_BASE64);
    },
  },
  {
    name: "JSON mode",
    needs: ["json"],
    request: { turns: hello, json: true, mock: { tokens: 3 } },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r]) {
      expect(JSON.parse(r?.text ?? "")).toEqual({ answer: lorem(3) });
      expect(r?.finishReason).toBe("stop");
      checkUsage(r as Normalized);
    },
  },
  {
    name: "usage is present and exact",
    needs: [],
    request: { turns: hello, mock: { tokens: 7 } },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r], { adapter }) {
      expect(r?.text).toBe(lorem(7));
      checkUsage(r as Normalized, 7 + adapter.eosTokens, adapter.exactPrompt ? 4 : undefined);
    },
  },
  {
    name: "finish reason length (small max_tokens)",
    needs: [],
    request: { turns: hello, maxTokens: 3, mock: { tokens: 10 } },
    run(send) {
      return firstTurn(send, this.request);
    },
    check([r]) {
      expect(r?.text).toBe(lorem(3));
      expect(r?.finishReason).toBe("length");
      checkUsage(r as Normalized, 3);
    },
  },
];

/** Upstream failures every adapter must map the same way. */
export interface ErrorCase {
  readonly name: string;
  readonly request: ChatTurn;
  /** REST status. */
  readonly status: number;
  /** Retry-After seconds the caller must see, if any. */
  readonly retryAfter?: number;
}

export const ERROR_CASES: readonly ErrorCase[] = [
  {
    name: "upstream 429 with retry-after",
    request: { turns: hello, mock: { status: 429, retry_after: 7 } },
    status: 429,
    retryAfter: 7,
  },
  { name: "upstream 503", request: { turns: hello, mock: { status: 503 } }, status: 503 },
];

/** The feature of `c` that `adapter` cannot honour, with the expected message, if any. */
export function unsupported(
  adapter: AdapterSpec,
  c: ConformanceCase,
): { feature: Feature; message: RegExp } | undefined {
  for (const feature of c.needs) {
    const message = UNSUPPORTED[adapter.adapter]?.[feature];
    if (message !== undefined) return { feature, message };
  }
  return undefined;
}

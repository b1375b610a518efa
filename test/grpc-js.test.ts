import { join } from "node:path";
import {
  type ClientReadableStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type Metadata,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `@grpc/grpc-js` with `@grpc/proto-loader`: a gRPC client that knows nothing
 * of Connect, built from the .proto files at run time, speaking HTTP/2 prior
 * knowledge to the gateway's one port.
 */

const PROTO_DIR = join(import.meta.dirname, "..", "proto");

/** A proto-loader `google.protobuf.Value` (oneofs: true, keepCase: false). */
type Value = { numberValue: number } | { stringValue: string } | { structValue: Struct };
/** A proto-loader `google.protobuf.Struct`. */
interface Struct {
  fields: Record<string, Value>;
}

/** Builds a proto-loader Struct from a flat JSON object of numbers, strings and nested objects. */
function struct(json: Record<string, unknown>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === "number") fields[key] = { numberValue: value };
    else if (typeof value === "string") fields[key] = { stringValue: value };
    else fields[key] = { structValue: struct(value as Record<string, unknown>) };
  }
  return { fields };
}

interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: Array<{ text: string }> }>;
  extra?: Struct;
}

interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

interface GatewayMetadata {
  requestId: string;
  provider: string;
  model: string;
}

interface CompleteResponse {
  id: string;
  model: string;
  created: string;
  choices: Array<{
    index: number;
    message: { role: string; content: Array<{ text?: string; part?: string }> };
    finishReason: string;
  }>;
  usage: TokenUsage;
  gateway: GatewayMetadata;
}

interface StreamResponse {
  id: string;
  choiceIndex: number;
  event: "delta" | "toolCall" | "finish" | "usage";
  delta?: { text: string };
  finish?: { reason: string };
  usage?: { usage: TokenUsage; gateway: GatewayMetadata };
}

interface ListModelsResponse {
  models: Array<{ id: string; provider: string; upstreamModel: string; source: string; created: string }>;
}

type Callback<T> = (error: ServiceError | null, response?: T) => void;

interface ChatClient {
  Complete(request: { chat: ChatRequest }, callback: Callback<CompleteResponse>): void;
  Stream(request: { chat: ChatRequest }, metadata?: Metadata): ClientReadableStream<StreamResponse>;
  close(): void;
}

interface ModelsClient {
  ListModels(request: { provider?: string }, callback: Callback<ListModelsResponse>): void;
  close(): void;
}

function loadServices(): GrpcObject {
  const definition = loadSync(["llmgw/v1/chat.proto", "llmgw/v1/models.proto", "llmgw/v1/usage.proto"], {
    includeDirs: [PROTO_DIR],
    keepCase: false,
    enums: String,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const llmgw = loadPackageDefinition(definition).llmgw as GrpcObject;
  return llmgw.v1 as GrpcObject;
}

function unary<T>(call: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((error, response) => {
      if (error) reject(error);
      else resolve(response as T);
    });
  });
}

function collect(stream: ClientReadableStream<StreamResponse>): Promise<StreamResponse[]> {
  return new Promise((resolve, reject) => {
    const events: StreamResponse[] = [];
    stream.on("data", (event: StreamResponse) => events.push(event));
    stream.on("error", reject);
    stream.on("end", () => resolve(events));
  });
}

function chat(text: string, more: Partial<ChatRequest> = {}): ChatRequest {
  return { model: "mock:mock-small", messages: [{ role: "ROLE_USER", content: [{ text }] }], ...more };
}

describe("@grpc/grpc-js with proto-loader", () => {
  let gw: TestGateway;
  let chatClient: ChatClient;
  let modelsClient: ModelsClient;

  beforeAll(async () => {
    gw = await startTestGateway();
    const target = `127.0.0.1:${gw.port}`;
    const insecure = credentials.createInsecure();
    const v1 = loadServices();
    const ChatService = v1.ChatService as ServiceClientConstructor;
    const ModelsService = v1.ModelsService as ServiceClientConstructor;
    chatClient = new ChatService(target, insecure) as unknown as ChatClient;
    modelsClient = new ModelsService(target, insecure) as unknown as ModelsClient;
  });

  afterAll(async () => {
    chatClient?.close();
    modelsClient?.close();
    await gw?.close();
  });

  it("completes a chat over plain gRPC with string enums and gateway metadata", async () => {
    const res = await unary<CompleteResponse>((cb) =>
      chatClient.Complete({ chat: chat("Hello from grpc-js!") }, cb),
    );
    expect(res.id).not.toBe("");
    expect(res.created).toMatch(/^\d+$/);
    expect(res.choices).toHaveLength(1);
    const choice = res.choices[0];
    expect(choice?.message.role).toBe("ROLE_ASSISTANT");
    expect(choice?.finishReason).toBe("FINISH_REASON_STOP");
    expect(choice?.message.content[0]?.part).toBe("text");
    expect(choice?.message.content[0]?.text?.length).toBeGreaterThan(0);
    expect(res.usage.completionTokens).toBe(16);
    expect(res.usage.totalTokens).toBe(res.usage.promptTokens + res.usage.completionTokens);
    expect(res.gateway.provider).toBe("mock");
    expect(res.gateway.model).toBe("mock-small");
  });

  it("streams deltas and a finish, and ends with one usage event", async () => {
    const events = await collect(chatClient.Stream({ chat: chat("Stream it over grpc-js.") }));
    const kinds = events.map((e) => e.event);
    expect(kinds.filter((k) => k === "delta").length).toBeGreaterThan(0);
    expect(kinds.indexOf("finish")).toBeGreaterThan(kinds.lastIndexOf("delta"));
    expect(kinds.filter((k) => k === "usage")).toHaveLength(1);
    const last = events.at(-1);
    expect(last?.event).toBe("usage");
    expect(last?.usage?.usage.completionTokens).toBe(16);
    expect(last?.usage?.gateway.provider).toBe("mock");
    const finish = events.find((e) => e.event === "finish");
    expect(finish?.finish?.reason).toBe("FINISH_REASON_STOP");
    const text = events.map((e) => e.delta?.text ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
  });

  it("passes an extra Struct built the proto-loader way through to the upstream", async () => {
    gw.mock.reset();
    const events = await collect(
      chatClient.Stream({ chat: chat("Count to five.", { extra: struct({ mock: { tokens: 5 } }) }) }),
    );
    expect(events.at(-1)?.usage?.usage.completionTokens).toBe(5);
    const sent = gw.mock.requests.at(-1)?.body as { mock?: unknown };
    expect(sent.mock).toEqual({ tokens: 5 });
  });

  it("lists the configured and discovered models", async () => {
    const res = await unary<ListModelsResponse>((cb) => modelsClient.ListModels({}, cb));
    const small = res.models.find((m) => m.id === "mock:mock-small");
    expect(small?.provider).toBe("mock");
    expect(small?.upstreamModel).toBe("mock-small");
    const large = res.models.find((m) => m.id === "mock:mock-large");
    expect(large?.source).toBe("MODEL_SOURCE_DISCOVERED");
    expect(large?.created).toMatch(/^\d+$/);
  });

  it("fails a chat without a model with INVALID_ARGUMENT", async () => {
    const error = await unary<CompleteResponse>((cb) =>
      chatClient.Complete({ chat: chat("hi", { model: "" }) }, cb),
    ).then(
      () => undefined,
      (e: ServiceError) => e,
    );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    // The llmgw.v1.ErrorDetail travels inside google.rpc.Status in grpc-status-details-bin.
    const [details] = error?.metadata.get("grpc-status-details-bin") ?? [];
    expect(Buffer.isBuffer(details)).toBe(true);
    expect((details as Buffer).includes("type.googleapis.com/llmgw.v1.ErrorDetail")).toBe(true);
    expect((details as Buffer).includes("invalid_request")).toBe(true);
  });

  it("aborts the upstream request when the client cancels the stream", async () => {
    gw.mock.reset();
    const call = chatClient.Stream({
      chat: chat("A long answer, please.", { extra: struct({ mock: { itl_ms: 50, tokens: 200 } }) }),
    });
    let received = 0;
    const ended = new Promise<ServiceError | undefined>((resolve) => {
      call.on("error", (e: ServiceError) => resolve(e));
      call.on("end", () => resolve(undefined));
    });
    call.on("data", () => {
      received += 1;
      if (received === 2) call.cancel();
    });
    const error = await ended;
    expect(error?.code).toBe(status.CANCELLED);
    expect(received).toBeLessThan(10);
    const upstream = await gw.mock.waitForAbort(3_000);
    expect(upstream.aborted).toBe(true);
    expect(upstream.path).toBe("/v1/chat/completions");
  });
});

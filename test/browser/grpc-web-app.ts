/**
 * The browser side of the gRPC-Web test: a connect-web client, bundled by
 * esbuild and run in headless Chromium from another origin than the gateway.
 */
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { ChatService, Role } from "../../gen/llmgw/v1/chat_pb.js";

interface ProtocolResult {
  unary: string;
  stream: string;
  lastEvent: string;
  provider: string;
  badKeyCode: string;
}

declare global {
  interface Window {
    runLlmgw(baseUrl: string, key: string): Promise<Record<string, ProtocolResult>>;
  }
}

const bearer =
  (key: string): Interceptor =>
  (next) =>
  (request) => {
    request.header.set("authorization", `Bearer ${key}`);
    return next(request);
  };

async function exercise(transport: (key: string) => Transport, key: string): Promise<ProtocolResult> {
  const chat = {
    model: "mock-small",
    messages: [
      { role: Role.USER, content: [{ part: { case: "text" as const, value: "Hello from a browser" } }] },
    ],
  };
  const client = createClient(ChatService, transport(key));
  const reply = await client.complete({ chat });
  const part = reply.choices[0]?.message?.content[0]?.part;
  let stream = "";
  let lastEvent = "";
  for await (const event of client.stream({ chat })) {
    if (event.event.case === "delta") stream += event.event.value.text;
    lastEvent = event.event.case ?? "";
  }
  let badKeyCode = "none";
  try {
    await createClient(ChatService, transport("sk-wrong-key-000")).complete({ chat });
  } catch (error) {
    badKeyCode = Code[ConnectError.from(error).code] ?? "unknown";
  }
  return {
    unary: part?.case === "text" ? part.value : "",
    stream,
    lastEvent,
    provider: reply.gateway?.provider ?? "",
    badKeyCode,
  };
}

window.runLlmgw = async (baseUrl, key) => ({
  "grpc-web": await exercise((k) => createGrpcWebTransport({ baseUrl, interceptors: [bearer(k)] }), key),
  connect: await exercise((k) => createConnectTransport({ baseUrl, interceptors: [bearer(k)] }), key),
});

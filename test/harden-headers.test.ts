import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelsService } from "../gen/llmgw/v1/models_pb.js";
import { rejection } from "./harness/rejection.ts";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * Helmet's security headers on every answer the gateway gives: REST successes
 * and errors, every RPC protocol, preflights. The API's CSP allows nothing; /ui
 * gets `default-src 'self'`, and config overrides a prefix. Helmet's
 * document-only headers (framing, opener, DNS prefetch, download, XSS filter)
 * are on document paths (/ui and configured prefixes) and nowhere else. HSTS
 * is absent on cleartext (the TLS suite checks it is present there).
 */

const KEY = "sk-headers-test-key";
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      keys: [{ name: "app", key: KEY }],
      security_headers: { csp: { "/docs": "default-src 'self'; frame-ancestors 'none'; img-src https:" } },
    },
  });
});
afterAll(async () => {
  await gw.close();
});

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

const DOCUMENT_ONLY = [
  ["x-frame-options", "DENY"],
  ["cross-origin-opener-policy", "same-origin"],
  ["origin-agent-cluster", "?1"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
] as const;

/** The headers on every answer; `document` adds Helmet's document-only ones, absent otherwise. */
function expectHelmet(
  get: (name: string) => string | null | undefined,
  csp = API_CSP,
  document = csp !== API_CSP,
): void {
  expect(get("x-content-type-options")).toBe("nosniff");
  expect(get("referrer-policy")).toBe("no-referrer");
  expect(get("cross-origin-resource-policy")).toBe("same-origin");
  expect(get("content-security-policy")).toBe(csp);
  expect(get("strict-transport-security") ?? undefined).toBeUndefined();
  for (const [name, value] of DOCUMENT_ONLY) {
    if (document) expect(get(name), name).toBe(value);
    else expect(get(name) ?? undefined, name).toBeUndefined();
  }
}

describe("security headers on REST answers", () => {
  it("are on a success, a 401, a 404 and a 405", async () => {
    for (const [method, path, status] of [
      ["GET", "/health", 200],
      ["POST", "/v1/chat/completions", 401],
      ["GET", "/no/such/route", 404],
      ["GET", "/v1/chat/completions", 405],
    ] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, body: method === "POST" ? "{}" : undefined });
      expect(res.status, path).toBe(status);
      expectHelmet((name) => res.headers.get(name));
    }
  });

  it("are on what the openai SDK receives, a completion and an auth error alike", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: "mock:mock-small", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expectHelmet((name) => response.headers.get(name));
    const bad = new OpenAI({ apiKey: "sk-wrong-key-123", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const error = await bad.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expectHelmet((name) => (error as InstanceType<typeof OpenAI.APIError>).headers?.get(name));
  });

  it("give /ui a self-only CSP, a configured prefix its own, and never /uix", async () => {
    const ui = await fetch(`${gw.url}/ui/index.html`);
    const uiCsp = ui.headers.get("content-security-policy") ?? "";
    expect(uiCsp).toMatch(/^default-src 'self';.*frame-ancestors 'none'/);
    expectHelmet((name) => ui.headers.get(name), uiCsp, true);
    const docs = await fetch(`${gw.url}/docs/x`);
    expectHelmet(
      (name) => docs.headers.get(name),
      "default-src 'self'; frame-ancestors 'none'; img-src https:",
    );
    const uix = await fetch(`${gw.url}/uix`);
    expectHelmet((name) => uix.headers.get(name));
  });

  it("are on a CORS preflight, which keeps its CORS headers", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expectHelmet((name) => res.headers.get(name));
  });
});

const PROTOCOLS: Array<[string, (baseUrl: string) => Transport]> = [
  ["gRPC", (baseUrl) => createGrpcTransport({ baseUrl })],
  ["gRPC-Web", (baseUrl) => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ["Connect", (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
];

describe.each(PROTOCOLS)("security headers over %s", (_name, transport) => {
  it("are on a served call and on a refused one", async () => {
    const client = createClient(ModelsService, transport(gw.url));
    let headers: Headers | undefined;
    await client.listModels(
      {},
      { headers: { authorization: `Bearer ${KEY}` }, onHeader: (h) => (headers = h) },
    );
    expectHelmet((name) => headers?.get(name));
    const error = await rejection(client.listModels({}), ConnectError.from);
    expect(error.code).toBe(Code.Unauthenticated);
    expectHelmet((name) => error.metadata.get(name));
  });
});

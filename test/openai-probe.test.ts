import type OpenAI from "openai";
import { BadRequestError, NotFoundError } from "openai";
import { beforeEach, describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import { failure, type Json, lastUpstream, openaiClient } from "./harness/openai-client.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * Probes of the OpenAI-compatible surface (chat completions and the
 * Responses API) with bodies a broken client or an attacker sends: each one
 * must be a 400 in OpenAI's error shape, naming the field, before anything
 * reaches the upstream.
 */

const KEY = "sk-ana-0123456789";
const HI = [{ role: "user", content: "hi" }];
/** A 1×1 transparent PNG. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

describe("the OpenAI surface refuses what it cannot pass on faithfully", () => {
  let gw: TestGateway;
  let client: OpenAI;

  useTestGateway({ config: { keys: [{ name: "ana", key: KEY }] } }, (started) => {
    gw = started;
    client = openaiClient(gw, KEY);
  });
  beforeEach(() => {
    gw.mock.reset();
  });

  async function post(path: string, body: Json): Promise<Response> {
    return fetch(`${gw.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** The OpenAI error of a refused request, after checking its status and that no upstream saw it. */
  async function refused(path: string, body: Json): Promise<Json> {
    const res = await post(path, body);
    const text = await res.text();
    expect(res.status, text).toBe(400);
    const error = (JSON.parse(text) as { error: Json }).error;
    expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(error.type).toBe("invalid_request_error");
    expect(gw.mock.requests).toHaveLength(0);
    return error;
  }

  const chat = (extra: Json) => ({ model: "mock-small", messages: HI, max_tokens: 2, ...extra });
  const image = (url: string) => ({
    model: "mock-small",
    max_tokens: 2,
    messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
  });

  describe("image data: URLs", () => {
    it("sends a base64 PNG on unchanged", async () => {
      const res = await post("/v1/chat/completions", image(`data:image/png;base64,${PNG}`));
      expect(res.status).toBe(200);
      const part = lastUpstream(gw).body.messages[0].content[0];
      expect(part.image_url.url).toBe(`data:image/png;base64,${PNG}`);
    });

    it.each([
      ["data that is not base64", "data:image/png;base64,@@@not base64!!!"],
      ["empty data", "data:image/png;base64,"],
      ["base64 with a stray character inside", `data:image/png;base64,${PNG.slice(0, 20)}*${PNG.slice(20)}`],
    ])("refuses %s instead of sending an empty or mangled image", async (_, url) => {
      const error = await refused("/v1/chat/completions", image(url));
      expect(error.param).toBe("messages[0].content[0].image_url.url");
    });

    it.each([
      ["text/plain", "data:text/plain;base64,aGVsbG8="],
      ["application/pdf", "data:application/pdf;base64,JVBERi0xLjQK"],
      ["no media type", "data:;base64,aGVsbG8="],
    ])("refuses a data: URL of %s as an image", async (_, url) => {
      const error = await refused("/v1/chat/completions", image(url));
      expect(error.param).toBe("messages[0].content[0].image_url.url");
    });

    it("refuses a bad data: URL in a Responses input_image too, as the SDK sees it", async () => {
      const error = await failure(
        client.responses.create({
          model: "mock-small",
          input: [
            {
              role: "user",
              content: [{ type: "input_image", image_url: "data:image/png;base64,%%%%", detail: "auto" }],
            },
          ],
        }),
      );
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).param).toBe("input[0].content[0].image_url");
      expect(gw.mock.requests).toHaveLength(0);
    });
  });

  describe("metadata beyond OpenAI's limits (16 pairs, 64-character keys, 512-character values)", () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]));
    it.each([
      ["17 pairs", many, "metadata"],
      ["a 65-character key", { ["k".repeat(65)]: "v" }, "metadata"],
      ["a 513-character value", { note: "v".repeat(513) }, "metadata.note"],
    ])("refuses %s on chat completions", async (_, metadata, param) => {
      const error = await refused("/v1/chat/completions", chat({ metadata }));
      expect(error.param).toBe(param);
    });

    it("refuses them on /v1/responses, which would store them", async () => {
      const error = await refused("/v1/responses", { model: "mock-small", input: "hi", metadata: many });
      expect(error.param).toBe("metadata");
    });

    it("takes metadata at the limits", async () => {
      const metadata = Object.fromEntries(
        Array.from({ length: 16 }, (_, i) => [`${i}`.padEnd(64, "k"), "v".repeat(512)]),
      );
      const res = await post("/v1/chat/completions", chat({ metadata }));
      expect(res.status).toBe(200);
      expect(lastUpstream(gw).body.metadata).toEqual(metadata);
    });
  });

  describe("chat completions fields whose answer the gateway cannot carry back", () => {
    it("refuses audio output rather than answering text only", async () => {
      const error = await refused("/v1/chat/completions", chat({ modalities: ["text", "audio"] }));
      expect(error.param).toBe("modalities");
      const audio = await refused("/v1/chat/completions", chat({ audio: { voice: "alloy", format: "wav" } }));
      expect(audio.param).toBe("audio");
    });

    it("takes modalities of text alone", async () => {
      const res = await post("/v1/chat/completions", chat({ modalities: ["text"] }));
      expect(res.status).toBe(200);
    });

    it("refuses max_tokens and max_completion_tokens together, as OpenAI does", async () => {
      const error = await refused("/v1/chat/completions", chat({ max_tokens: 5, max_completion_tokens: 7 }));
      expect(error.param).toBe("max_tokens");
    });
  });

  describe("Responses errors name the Responses API's fields", () => {
    it("an empty input is the input's fault, even with instructions (no upstream call of a bare system prompt)", async () => {
      const error = await refused("/v1/responses", { model: "mock-small", input: [] });
      expect(error.param).toBe("input");
      const withInstructions = await refused("/v1/responses", {
        model: "mock-small",
        input: [],
        instructions: "be brief",
      });
      expect(withInstructions.param).toBe("input");
    });

    it("a bad or duplicate function name is tools[i].name, not tools[i].function.name", async () => {
      const bad = await refused("/v1/responses", {
        model: "mock-small",
        input: "hi",
        tools: [{ type: "function", name: "bad name" }],
      });
      expect(bad.param).toBe("tools[0].name");
      const twice = await refused("/v1/responses", {
        model: "mock-small",
        input: "hi",
        tools: [
          { type: "function", name: "f" },
          { type: "function", name: "f" },
        ],
      });
      expect(twice.param).toBe("tools[1].name");
    });
  });

  describe("a response's sub-resources, which the gateway does not serve", () => {
    it("are a 404 in OpenAI's shape, to the SDK too, not a 400 about percent-escapes", async () => {
      for (const path of ["/v1/responses/resp_1/input_items", "/v1/responses/resp_1%2Fx", "/v1/responses/"]) {
        const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });
        expect(res.status, path).toBe(404);
        expect(((await res.json()) as { error: Json }).error).toMatchObject({
          type: "invalid_request_error",
          code: "not_found",
        });
      }
      expect(await failure(client.responses.inputItems.list("resp_1"))).toBeInstanceOf(NotFoundError);
    });
  });
});

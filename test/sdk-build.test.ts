import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

const run = promisify(execFile);

describe("the SDK package", () => {
  let gw: TestGateway;
  useTestGateway({}, (started) => {
    gw = started;
  });

  it("builds to plain JavaScript with types, which Node runs without type stripping", async () => {
    await run("npm", ["run", "build:sdk"], { cwd: process.cwd() });
    // A separate Node process with type stripping off loads only the built JavaScript.
    const script = `
      const { createLlmgwClient, createNodeTransport, userMessage } = await import("./sdk/dist/sdk/index.js");
      const llmgw = createLlmgwClient(createNodeTransport({ baseUrl: ${JSON.stringify(gw.url)} }));
      const reply = await llmgw.chat.complete({ chat: { model: "mock-small", messages: [userMessage("hi")] } });
      console.log(JSON.stringify({ provider: reply.gateway.provider, tokens: reply.usage.completionTokens }));
    `;
    const { stdout } = await run(process.execPath, [
      "--no-experimental-strip-types",
      "--input-type=module",
      "-e",
      script,
    ]);
    expect(JSON.parse(stdout)).toEqual({ provider: "mock", tokens: 16 });
  });
});

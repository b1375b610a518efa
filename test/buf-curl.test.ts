import { execFile } from "node:child_process";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../gen/llmgw/v1/error_pb.js";
import { startTestGateway, type TestGateway } from "./harness/start-gateway.ts";

/**
 * `buf curl` (a Go client, from @bufbuild/buf, offline with `--schema proto`)
 * against the gateway's one port in all three RPC protocols.
 */

const ROOT = join(import.meta.dirname, "..");
const BUF = join(ROOT, "node_modules", ".bin", "buf");

interface CurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function bufCurl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      BUF,
      ["curl", "--schema", "proto", ...args],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") reject(error);
        else resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
      },
    );
  });
}

/** buf curl prints each message as its own indented JSON object; split and parse them. */
function messages(stdout: string): Array<Record<string, unknown>> {
  return (stdout.match(/^\{$[\s\S]*?^\}$/gm) ?? []).map((text) => JSON.parse(text));
}

function chatData(text: string, more: Record<string, unknown> = {}): string {
  return JSON.stringify({
    chat: {
      model: "mock:mock-small",
      messages: [{ role: "ROLE_USER", content: [{ text }] }],
      extra: { mock: { tokens: 4 } },
      ...more,
    },
  });
}

interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}
interface Gateway {
  requestId: string;
  provider: string;
  model: string;
}

const protocols = [
  { name: "gRPC (h2c prior knowledge)", flags: ["--protocol", "grpc", "--http2-prior-knowledge"] },
  { name: "gRPC-Web", flags: ["--protocol", "grpcweb"] },
  { name: "Connect", flags: ["--protocol", "connect"] },
];

describe.each(protocols)("buf curl over $name", ({ flags }) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("completes a chat and prints one response with text, usage and gateway metadata", async () => {
    const result = await bufCurl([
      ...flags,
      "--data",
      chatData("Hello from buf curl"),
      `${gw.url}/llmgw.v1.ChatService/Complete`,
    ]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const out = messages(result.stdout);
    expect(out).toHaveLength(1);
    const res = out[0] as {
      id: string;
      created: string;
      choices: Array<{ message: { role: string; content: Array<{ text: string }> }; finishReason: string }>;
      usage: Usage;
      gateway: Gateway;
    };
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.created).toMatch(/^\d+$/);
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]?.message.role).toBe("ROLE_ASSISTANT");
    expect(res.choices[0]?.message.content[0]?.text.split(" ")).toHaveLength(4);
    expect(res.choices[0]?.finishReason).toBe("FINISH_REASON_STOP");
    expect(res.usage.completionTokens).toBe(4);
    expect(res.usage.totalTokens).toBe(res.usage.promptTokens + 4);
    expect(res.gateway.provider).toBe("mock");
    expect(res.gateway.model).toBe("mock-small");
    expect(res.gateway.requestId).not.toBe("");
  });

  it("streams one JSON per event: deltas, a finish, then the usage report last", async () => {
    const result = await bufCurl([
      ...flags,
      "--data",
      chatData("Stream to buf curl"),
      `${gw.url}/llmgw.v1.ChatService/Stream`,
    ]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const events = messages(result.stdout) as Array<{
      id: string;
      delta?: { text: string };
      finish?: { reason: string };
      usage?: { usage: Usage; gateway: Gateway };
    }>;
    expect(events).toHaveLength(4 + 2);
    expect(events.slice(0, 4).every((e) => e.delta !== undefined)).toBe(true);
    expect(events.map((e) => e.delta?.text ?? "").join("")).toMatch(/^\S+( \S+){3}$/);
    expect(events[4]?.finish?.reason).toBe("FINISH_REASON_STOP");
    const last = events[5]?.usage;
    expect(last?.usage.completionTokens).toBe(4);
    expect(last?.gateway.provider).toBe("mock");
    expect(last?.gateway.model).toBe("mock-small");
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
  });

  it("exits non-zero with invalid_argument and the ErrorDetail for a chat without a model", async () => {
    const result = await bufCurl([
      ...flags,
      "--data",
      chatData("hi", { model: "" }),
      `${gw.url}/llmgw.v1.ChatService/Complete`,
    ]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe("");
    const [error] = messages(result.stderr) as Array<{
      code: string;
      details: Array<{ type: string; value: string }>;
    }>;
    expect(error?.code).toBe("invalid_argument");
    expect(error?.details).toHaveLength(1);
    expect(error?.details[0]?.type).toBe("llmgw.v1.ErrorDetail");
    // buf curl prints the detail's bytes as unpadded base64.
    const detail = fromBinary(ErrorDetailSchema, Buffer.from(error?.details[0]?.value ?? "", "base64"));
    expect(detail.code).toBe("invalid_request");
    expect(detail.retryable).toBe(false);
    expect(detail.requestId).not.toBe("");
  });
});

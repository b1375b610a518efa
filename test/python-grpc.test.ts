import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { expectChatAnswer } from "./harness/chat-client-answer.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * Other languages generate their own stubs from proto/. Here the Python ones
 * are made by `buf generate --template buf.gen.python.yaml` with local plugins
 * only (protoc's built-in python and pyi generators, and Debian's
 * grpc_python_plugin), and Debian's python3-grpcio calls ChatService.Complete
 * and ChatService.Stream on a real gateway (docs/other-languages.md).
 */

const run = promisify(execFile);
const KEY = "sk-python-grpc-0001";
const PYTHON = "/usr/bin/python3";

describe("Python stubs from proto/, over grpcio", () => {
  let gw: TestGateway;
  useTestGateway({ config: { keys: [{ name: "python", key: KEY }] } }, (started) => {
    gw = started;
  });

  it("generates the stubs with buf and local plugins, then completes and streams a chat", async () => {
    const out = mkdtempSync(join(tmpdir(), "llmgw-python-"));
    await run("npx", ["buf", "generate", "--template", "buf.gen.python.yaml", "-o", out]);
    const files = readdirSync(join(out, "python", "llmgw", "v1"));
    expect(files).toEqual(expect.arrayContaining(["chat_pb2.py", "chat_pb2.pyi", "chat_pb2_grpc.py"]));

    // Async, so the gateway in this process can answer while Python waits.
    const { stdout } = await run(
      PYTHON,
      [join(import.meta.dirname, "python-grpc-client.py"), `127.0.0.1:${gw.port}`, KEY, "mock-small"],
      { env: { ...process.env, PYTHONPATH: join(out, "python") } },
    );
    expectChatAnswer(gw, stdout, "Hello from Python", "UNAUTHENTICATED");
  });
});

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { expectChatAnswer } from "./harness/chat-client-answer.ts";
import { useTestGateway } from "./harness/gateway-hooks.ts";
import type { TestGateway } from "./harness/start-gateway.ts";

/**
 * The Go recipe, offline: `buf generate --template buf.gen.go.yaml` runs
 * Debian's protoc-gen-go and protoc-gen-go-grpc, and the client compiles
 * against Debian's grpc-go in GOPATH mode (no module proxy), then completes
 * and streams a chat on a real gateway. connect-go is not packaged by Debian,
 * so the Connect-protocol Go client is documented, not tested
 * (docs/other-languages.md).
 */

const run = promisify(execFile);
const KEY = "sk-go-grpc-000001";
// Kept across runs: the first build compiles grpc-go (about a minute and a half here), later ones
// reuse it. The stubs are regenerated each run at one fixed path, so unchanged ones hit the cache too.
const GOCACHE = join(tmpdir(), "llmgw-go-build-cache");
const GOPATH = join(tmpdir(), "llmgw-go-gopath");

describe("Go stubs from proto/, over grpc-go", () => {
  let gw: TestGateway;
  useTestGateway({ config: { keys: [{ name: "go", key: KEY }] } }, (started) => {
    gw = started;
  });

  it("generates the stubs with buf and local plugins, builds a client, and completes and streams a chat", async () => {
    const out = mkdtempSync(join(tmpdir(), "llmgw-go-"));
    await run("npx", ["buf", "generate", "--template", "buf.gen.go.yaml", "-o", out]);
    expect(readdirSync(join(out, "go", "llmgw", "v1"))).toEqual(
      expect.arrayContaining(["chat.pb.go", "chat_grpc.pb.go"]),
    );
    // GOPATH mode: the stubs at their import path (buf.gen.go.yaml's go_package_prefix), Debian's Go libraries beside.
    const stubs = join(GOPATH, "src", "llmgw.example", "gen");
    rmSync(stubs, { recursive: true, force: true });
    mkdirSync(dirname(stubs), { recursive: true });
    renameSync(join(out, "go"), stubs);
    const binary = join(out, "client");
    await run("go", ["build", "-o", binary, join(import.meta.dirname, "go-grpc-client.go")], {
      cwd: out,
      env: {
        ...process.env,
        GO111MODULE: "off",
        GOPATH: `${GOPATH}:/usr/share/gocode`,
        GOCACHE,
        GOFLAGS: "",
      },
    });

    // Async, so the gateway in this process can answer while the client waits.
    const { stdout } = await run(binary, [`127.0.0.1:${gw.port}`, KEY, "mock-small"]);
    expectChatAnswer(gw, stdout, "Hello from Go", "Unauthenticated");
  }, 300_000);
});

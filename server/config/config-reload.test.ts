import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ConfigReloader } from "./config-reload.ts";
import { loadConfigFile } from "./load-config.ts";
import type { Config } from "./schema.ts";

function setUp(first: object) {
  const file = join(mkdtempSync(join(tmpdir(), "llmgw-reload-unit-")), "llmgw.yaml");
  writeFileSync(file, JSON.stringify(first));
  const applied: Config["routing"][] = [];
  const lines: { msg: string }[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const reloader = new ConfigReloader({
    file,
    current: loadConfigFile(file, {}),
    applyRouting: (routing) => applied.push(routing),
    log,
    env: {},
  });
  return { file, applied, lines, reloader };
}

const providers = [{ name: "p", base_url: "http://127.0.0.1:9/v1", models: ["m"] }];
const routed = (name: string) => ({
  models: [{ name, deployments: [{ provider: "p", model: "m" }] }],
});

describe("ConfigReloader", () => {
  it("applies a changed routing section, and nothing when the file is unchanged", () => {
    const t = setUp({ providers, routing: routed("a") });
    expect(t.reloader.reload("test")).toEqual({ applied: false, needRestart: [] });
    writeFileSync(t.file, JSON.stringify({ providers, routing: routed("b") }));
    expect(t.reloader.reload("test")).toEqual({ applied: true, needRestart: [] });
    expect(t.applied.map((r) => r.models[0]?.name)).toEqual(["b"]);
  });

  it("refuses a file that does not load, and applies nothing of it", () => {
    const t = setUp({ providers, routing: routed("a") });
    writeFileSync(t.file, JSON.stringify({ providers, routing: routed("b"), server: { port: "x" } }));
    const result = t.reloader.reload("test");
    expect(result).toHaveProperty("refused");
    expect(t.applied).toEqual([]);
    expect(t.lines.map((l) => l.msg)).toContain("config reload refused: the old config keeps serving");
  });

  it("names the sections that need a restart, leaves them, and applies the routing", () => {
    const t = setUp({ providers, routing: routed("a") });
    writeFileSync(
      t.file,
      JSON.stringify({
        providers,
        routing: routed("b"),
        server: { port: 9999 },
        limits: { global: [{ concurrent: 1 }] },
      }),
    );
    expect(t.reloader.reload("test")).toEqual({ applied: true, needRestart: ["server", "limits"] });
    expect(t.lines.some((l) => /server, limits changed, which needs a restart/.test(l.msg))).toBe(true);
  });

  it("refuses a routing section the routing table rejects, keeping the old one", () => {
    const t = setUp({ providers, routing: routed("a") });
    const reloader = new ConfigReloader({
      file: t.file,
      current: loadConfigFile(t.file, {}),
      applyRouting: () => {
        throw new Error("no such provider");
      },
      log: pino({ level: "silent" }),
      env: {},
    });
    writeFileSync(t.file, JSON.stringify({ providers, routing: routed("b") }));
    expect(reloader.reload("test")).toEqual({ refused: "no such provider" });
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfigFile, parseConfig } from "../server/config/load-config.ts";

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "llmgw-config-")), "llmgw.yaml");
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  it("loads config/example.yaml as shipped, routed model included", () => {
    const env = {
      OPENAI_API_KEY: "sk-test",
      LLMGW_KEY_BACKEND: "k".repeat(24),
      LLMGW_KEY_WEB: "w".repeat(24),
    };
    const config = loadConfigFile(join(import.meta.dirname, "..", "config", "example.yaml"), env);
    expect(config.routing.models.map((m) => m.name)).toEqual(["chat"]);
    expect(config.routing.models[0]?.deployments.map((d) => [d.provider, d.priority])).toEqual([
      ["local", 0],
      ["openai", 1],
    ]);
  });

  it("fills every default from an empty document", () => {
    const config = parseConfig({});
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.providers).toEqual([]);
    expect(config.keys).toEqual([]);
  });

  it("interpolates environment variables, with defaults, after parsing the YAML", () => {
    const file = yamlFile(`
providers:
  - name: local
    base_url: \${UPSTREAM:-http://127.0.0.1:8000/v1}
    api_key: "\${SECRET}"
keys:
  - name: team
    key: \${TEAM_KEY}
`);
    const config = loadConfigFile(file, { SECRET: 'a"quote: and # hash', TEAM_KEY: "sk-team-123456" });
    expect(config.providers[0]?.base_url).toBe("http://127.0.0.1:8000/v1");
    expect(config.providers[0]?.api_key).toBe('a"quote: and # hash');
    expect(config.keys[0]?.key).toBe("sk-team-123456");
  });

  it("refuses a missing environment variable instead of using an empty string", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the config file's own ${VAR} syntax
    const file = yamlFile("keys:\n  - name: team\n    key: ${NOT_SET_ANYWHERE}\n");
    expect(() => loadConfigFile(file, {})).toThrow(
      /keys\[0\]\.key: environment variable NOT_SET_ANYWHERE is not set/,
    );
  });

  it("names the field and the problem for a wrong file", () => {
    const file = yamlFile(`
server:
  port: eighty
providers:
  - name: Local
    base_url: ftp://example
default_provider: missing
surprise: true
`);
    let message = "";
    try {
      loadConfigFile(file, {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain("server.port");
    expect(message).toContain("providers[0].name");
    expect(message).toContain("providers[0].base_url");
    expect(message).toContain('Unrecognized key: "surprise"');
  });

  it("rejects a default provider that does not exist and duplicate provider names", () => {
    expect(() =>
      parseConfig({
        providers: [
          { name: "a", base_url: "http://127.0.0.1:1/v1" },
          { name: "a", base_url: "http://127.0.0.1:2/v1" },
        ],
        default_provider: "b",
      }),
    ).toThrow(
      /providers\[1\]\.name: duplicate provider "a"[\s\S]*default_provider: no provider is named "b"/,
    );
  });

  it("refuses two keys with one name", () => {
    expect(() =>
      parseConfig({
        keys: [
          { name: "team", key: "sk-team-one-1234" },
          { name: "team", key: "sk-team-two-1234" },
        ],
      }),
    ).toThrow(/keys\[1\]\.name: duplicate key name "team"/);
  });

  it("reports invalid YAML with the file name", () => {
    const file = yamlFile("providers: [\n");
    expect(() => loadConfigFile(file, {})).toThrow(/is not valid YAML/);
  });

  it("gives the native provider types the API root their adapter appends its paths to", () => {
    const types = ["anthropic", "gemini", "ollama", "tgi"];
    const providers = parseConfig({ providers: types.map((type) => ({ name: type, type })) }).providers;
    expect(providers.map((p) => p.base_url)).toEqual([
      "https://api.anthropic.com/v1",
      "https://generativelanguage.googleapis.com/v1beta",
      "http://127.0.0.1:11434",
      "http://127.0.0.1:8080",
    ]);
  });

  it("points an ollama provider given Ollama's OpenAI-compatible /v1 root at its native root", () => {
    const urls = ["http://gpu:11434/v1", "http://gpu:11434/v1/", "https://proxy.example/ollama/v1"];
    const providers = parseConfig({
      providers: urls.map((base_url, i) => ({ name: `o${i}`, type: "ollama", base_url })),
    }).providers;
    expect(providers.map((p) => p.base_url)).toEqual([
      "http://gpu:11434",
      "http://gpu:11434",
      "https://proxy.example/ollama",
    ]);
    // Parsing is idempotent: the CLI validates a parsed config again.
    expect(parseConfig({ providers }).providers.map((p) => p.base_url)).toEqual(
      providers.map((p) => p.base_url),
    );
    // Only type ollama: an OpenAI-compatible provider keeps its /v1.
    const openai = parseConfig({ providers: [{ name: "o", base_url: "http://gpu:11434/v1" }] }).providers[0];
    expect(openai?.base_url).toBe("http://gpu:11434/v1");
  });

  it("caps upstream answers at 32 MiB and stream events at 1 MiB unless told otherwise", () => {
    const [plain, tuned] = parseConfig({
      providers: [
        { name: "a", base_url: "http://127.0.0.1:1/v1" },
        { name: "b", base_url: "http://127.0.0.1:2/v1", max_response_bytes: 1000, max_event_bytes: 100 },
      ],
    }).providers;
    expect(plain).toMatchObject({ max_response_bytes: 32 * 1024 * 1024, max_event_bytes: 1024 * 1024 });
    expect(tuned).toMatchObject({ max_response_bytes: 1000, max_event_bytes: 100 });
    expect(() =>
      parseConfig({ providers: [{ name: "a", base_url: "http://127.0.0.1:1/v1", max_event_bytes: 0 }] }),
    ).toThrow(/providers\[0\]\.max_event_bytes/);
  });
});

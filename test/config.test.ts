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
});

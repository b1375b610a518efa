import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./load-config.ts";
import { readSecretFiles } from "./secret-files.ts";

const dir = mkdtempSync(join(tmpdir(), "llmgw-secrets-"));
const secret = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("secrets from files", () => {
  it("reads a provider's api_key_file and a key's key_file, dropping the trailing newline", () => {
    const config = parseConfig({
      providers: [
        {
          name: "openai",
          base_url: "http://127.0.0.1:1/v1",
          api_key_file: secret("openai", "sk-from-file\n"),
        },
      ],
      keys: [{ name: "app", key_file: secret("app", "sk-app-key-from-file") }],
    });
    expect(config.providers[0]?.api_key).toBe("sk-from-file");
    expect(config.keys[0]?.key).toBe("sk-app-key-from-file");
  });

  it("interpolates the path first, so the directory can come from the environment", () => {
    secret("env-key", "sk-env-dir");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
    const api_key_file = "${DIR}/env-key";
    const config = parseConfig(
      { providers: [{ name: "p", base_url: "http://127.0.0.1:1/v1", api_key_file }] },
      { DIR: dir },
    );
    expect(config.providers[0]?.api_key).toBe("sk-env-dir");
  });

  it("refuses both forms at once, and a missing file, naming the path but never a secret", () => {
    const both = {
      providers: [{ name: "p", api_key: "sk-inline", api_key_file: secret("x", "sk-file-secret") }],
    };
    expect(() => readSecretFiles(both)).toThrow(
      "providers[0].api_key_file: set api_key or api_key_file, not both",
    );
    const missing = { keys: [{ key_file: join(dir, "nope") }] };
    expect(() => readSecretFiles(missing)).toThrow(
      `keys[0].key_file: cannot read ${join(dir, "nope")}: ENOENT`,
    );
  });

  it("leaves other fields, and the tls section's file paths, alone", () => {
    const doc = { tls: { cert: "/c.pem", key: "/k.pem" }, usage: { path: "x.db" }, log_file: "/var/log/x" };
    expect(readSecretFiles(doc, () => "read")).toEqual(doc);
  });
});

import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.ts";

/** The secret fields that may instead be read from a file named by `<field>_file`. */
const SECRET_FIELDS = new Set(["api_key", "key", "secret", "url", "password", "token"]);

/** Sections whose `*_file`-looking fields are paths by design (the TLS key is a file already). */
const LEFT_ALONE = new Set(["tls"]);

/**
 * Replaces every `<secret>_file: /path` (`api_key_file`, `key_file`,
 * `secret_file`, a database `url_file`, …) with `<secret>: <the file's
 * contents>`, as Docker and Kubernetes mount secrets. One trailing newline is
 * dropped. Setting both forms is an error, as is a file that cannot be read;
 * the message names the field and the path, never the contents.
 */
export function readSecretFiles(
  value: unknown,
  read: (path: string) => string = (path) => readFileSync(path, "utf8"),
  path = "",
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => readSecretFiles(v, read, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    const field = k.endsWith("_file") ? k.slice(0, -5) : undefined;
    if (field === undefined || !SECRET_FIELDS.has(field) || typeof v !== "string") {
      out[k] = LEFT_ALONE.has(k) && path === "" ? v : readSecretFiles(v, read, at);
      continue;
    }
    if (field in value) throw new ConfigError(`${at}: set ${field} or ${k}, not both`);
    let text: string;
    try {
      text = read(v);
    } catch (error) {
      throw new ConfigError(`${at}: cannot read ${v}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
    out[field] = text.replace(/\r?\n$/, "");
  }
  return out;
}

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./config-error.ts";
import { formatIssues } from "./format-issues.ts";
import { type Config, configSchema } from "./schema.ts";
import { readSecretFiles } from "./secret-files.ts";

export { ConfigError };

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of the parsed
 * document. Interpolating after parsing means a secret can never break the
 * YAML syntax. A missing variable without a default is an error, not "".
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path = ""): unknown {
  if (typeof value === "string") {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback?: string) => {
        const found = env[name];
        if (found !== undefined && found !== "") return found;
        if (fallback !== undefined) return fallback;
        throw new ConfigError(`${path || "config"}: environment variable ${name} is not set`);
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

/** Interpolates, reads `*_file` secrets and validates a parsed document, turning zod's issues into one readable message. */
export function parseConfig(
  document: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = "config",
): Config {
  // Secret files after interpolation, so `api_key_file: ${SECRETS_DIR}/openai` works.
  return validateConfig(readSecretFiles(interpolateEnv(document ?? {}, env)), source);
}

/** Validates a document whose environment variables are already interpolated (command-line overrides). */
export function validateConfig(document: unknown, source: string): Config {
  const result = configSchema.safeParse(document);
  if (result.success) return result.data;
  throw new ConfigError(`${source} is invalid:\n${formatIssues(result.error.issues)}`);
}

/** Reads, interpolates and validates a YAML configuration file. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  return parseConfig(document, env, file);
}

#!/usr/bin/env node
import { parseArgs } from "node:util";
import { startGateway } from "./app.ts";
import { ConfigError, loadConfigFile, parseConfig, validateConfig } from "./config/load-config.ts";
import type { Config, ProviderConfig } from "./config/schema.ts";
import { runMockCli, startMockUpstream } from "./mock/mock-upstream.ts";
import { createLogger } from "./telemetry/logger.ts";

const USAGE = `llmgw — an LLM gateway: gRPC, gRPC-Web, Connect and OpenAI-compatible REST on one port

Usage:
  llmgw serve [--config FILE] [--host H] [--port P] [--upstream URL] [--api-key KEY] [--verbose]
  llmgw mock  [--host H] [--port P] [--tokens N] [--ttft-ms N] [--itl-ms N]

serve options:
  --config FILE     YAML config file (see docs/configuration.md)
  --host H          address to listen on (default 127.0.0.1; alias --bindip)
  --port P          port to listen on (default 8080; alias --bindport)
  --upstream URL    add an OpenAI-compatible provider "upstream" at URL (e.g. http://127.0.0.1:8000/v1)
  --aihost H        with --aihostport, the same as --upstream http://H:PORT/v1
  --api-key KEY     require this API key (may be repeated)
  --verbose         readable, coloured request logs

With neither --config nor --upstream, serve starts a built-in mock upstream
so the gateway answers at once (a demo, not a model).`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: "string" },
    host: { type: "string" },
    bindip: { type: "string" },
    port: { type: "string" },
    bindport: { type: "string" },
    upstream: { type: "string" },
    aihost: { type: "string" },
    aihostport: { type: "string" },
    "api-key": { type: "string", multiple: true },
    verbose: { type: "boolean", default: false },
    tokens: { type: "string" },
    "ttft-ms": { type: "string" },
    "itl-ms": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`--${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

/** A provider entry with every default, for --upstream and the demo mock. */
function openAIProvider(name: string, baseUrl: string): ProviderConfig {
  const [provider] = parseConfig({ providers: [{ name, base_url: baseUrl }] }).providers;
  if (provider === undefined) throw new ConfigError(`cannot configure provider ${name}`);
  return provider;
}

async function serve(): Promise<void> {
  const base: Config = values.config ? loadConfigFile(values.config) : parseConfig({});
  const overrides = structuredClone(base);
  const host = values.host ?? values.bindip;
  const port = integer(values.port ?? values.bindport, "port");
  if (host !== undefined) overrides.server.host = host;
  if (port !== undefined) overrides.server.port = port;
  if (values.verbose) overrides.log = { ...overrides.log, pretty: true, requests: true, level: "debug" };
  for (const [i, key] of (values["api-key"] ?? []).entries()) {
    overrides.keys.push({ name: `cli-${i + 1}`, key, admin: false });
  }
  // Flags are checked by the same schema as the file: a short key or a bad port is refused the same way.
  const config = validateConfig(overrides, "the command line");

  const upstream =
    values.upstream ??
    (values.aihost ? `http://${values.aihost}:${values.aihostport ?? "80"}/v1` : undefined);
  const log = createLogger(config.log.level, config.log.pretty);
  let mock: Awaited<ReturnType<typeof startMockUpstream>> | undefined;
  if (upstream !== undefined) {
    config.providers.push(openAIProvider("upstream", upstream));
  } else if (config.providers.length === 0) {
    mock = await startMockUpstream({ record: false, ttftMs: 20, itlMs: 15 });
    config.providers.push(openAIProvider("mock", `${mock.url}/v1`));
    log.warn(
      { upstream: mock.url },
      "no providers configured: serving in front of the built-in mock upstream",
    );
  }

  const running = await startGateway(config, log);
  log.info({ url: running.url, providers: config.providers.map((p) => p.name) }, "llmgw listening");
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(
      { signal, graceMs: config.server.shutdown_grace_ms },
      "shutting down: draining in-flight requests",
    );
    await running.close();
    await mock?.close();
    log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

async function main(): Promise<void> {
  const command = positionals[0] ?? "serve";
  if (values.help || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === "serve") return serve();
  if (command === "mock") {
    await runMockCli({
      ...(values.host ? { host: values.host } : {}),
      ...(values.port ? { port: integer(values.port, "port") } : {}),
      ...(values.tokens ? { tokens: integer(values.tokens, "tokens") } : {}),
      ...(values["ttft-ms"] ? { ttftMs: integer(values["ttft-ms"], "ttft-ms") } : {}),
      ...(values["itl-ms"] ? { itlMs: integer(values["itl-ms"], "itl-ms") } : {}),
    });
    return;
  }
  throw new ConfigError(`unknown command "${command}"\n\n${USAGE}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`llmgw: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});

#!/usr/bin/env -S node --max-semi-space-size=32 --max-old-space-size=512
/**
 * `llmgw`: the command line. Each command imports only what it runs: `mock` loads the mock's own entry
 * and no gateway module (the benchmark runs the mock alone as its baseline); `serve` loads the gateway,
 * and the mock only in its demo mode.
 */

import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import type { MockUpstream } from "../mock/index.ts";
import type { Config, ProviderConfig } from "./config/schema.ts";

const USAGE = `llmgw — an LLM gateway: gRPC, gRPC-Web, Connect and OpenAI-compatible REST on one port

Usage:
  llmgw serve [--config FILE] [--host H] [--port P] [--workers N|auto] [--upstream URL] [--api-key KEY] [--verbose]
  llmgw mock  [--host H] [--port P] [--tokens N] [--ttft-ms N] [--itl-ms N] [--behaviour JSON]

serve options:
  --config FILE     YAML config file (see docs/configuration.md)
  --host H          address to listen on (default 127.0.0.1; alias --bindip)
  --port P          port to listen on (default 8080; alias --bindport)
  --workers N|auto  processes serving the one port (default 1; auto = one per core); without
                    Redis they share limits and budgets through the primary process
  --upstream URL    add an OpenAI-compatible provider "upstream" at URL (e.g. http://127.0.0.1:8000/v1)
  --aihost H        with --aihostport, the same as --upstream http://H:PORT/v1
  --api-key KEY     require this API key (may be repeated)
  --verbose         readable, coloured request logs

With neither --config nor --upstream, serve starts a built-in mock upstream
so the gateway answers at once (a demo, not a model).`;

const argv = process.argv.slice(2);
const { positionals, values, tokens } = parseArgs({
  args: argv,
  allowPositionals: true,
  tokens: true,
  options: {
    config: { type: "string" },
    host: { type: "string" },
    bindip: { type: "string" },
    port: { type: "string" },
    bindport: { type: "string" },
    workers: { type: "string" },
    upstream: { type: "string" },
    aihost: { type: "string" },
    aihostport: { type: "string" },
    "api-key": { type: "string", multiple: true },
    verbose: { type: "boolean", default: false },
    tokens: { type: "string" },
    "ttft-ms": { type: "string" },
    "itl-ms": { type: "string" },
    behaviour: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

/** A refused command line: the message alone on stderr, exit code 1. */
function refuse(message: string): never {
  process.stderr.write(`llmgw: ${message}\n`);
  process.exit(1);
}

/** The gateway's modules, imported by `serve` alone. */
async function loadGateway() {
  const [app, config, logger, reload, watch, notices, errors] = await Promise.all([
    import("./app.ts"),
    import("./config/load-config.ts"),
    import("./telemetry/logger.ts"),
    import("./config/config-reload.ts"),
    import("./config/config-watch.ts"),
    import("./core/routing-notices.ts"),
    import("./errors/gateway-error.ts"),
  ]);
  return { ...app, ...config, ...logger, ...reload, ...watch, ...notices, ...errors };
}
type Gateway = Awaited<ReturnType<typeof loadGateway>>;

function integer(gw: Gateway, value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new gw.ConfigError(`--${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

/** `--workers`: a count of at least 1, or `auto` (one per core). */
function workerCount(gw: Gateway, value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === "auto") return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new gw.ConfigError(`--workers must be "auto" or an integer from 1 to 256, got "${value}"`);
  return n;
}

/** A provider entry with every default, for --upstream and the demo mock. */
function openAIProvider(gw: Gateway, name: string, baseUrl: string): ProviderConfig {
  const [provider] = gw.parseConfig({ providers: [{ name, base_url: baseUrl }] }).providers;
  if (provider === undefined) throw new gw.ConfigError(`cannot configure provider ${name}`);
  return provider;
}

async function serve(): Promise<void> {
  const gw = await loadGateway();
  try {
    await serveWith(gw);
  } catch (error) {
    if (error instanceof gw.ConfigError) refuse(error.message);
    throw error;
  }
}

async function serveWith(gw: Gateway): Promise<void> {
  const { loadConfigFile, parseConfig, validateConfig, createLogger, startGateway } = gw;
  const base: Config = values.config ? loadConfigFile(values.config) : parseConfig({});
  const overrides = structuredClone(base);
  const host = values.host ?? values.bindip;
  const port = integer(gw, values.port ?? values.bindport, "port");
  if (host !== undefined) overrides.server.host = host;
  if (port !== undefined) overrides.server.port = port;
  if (values.verbose) overrides.log = { ...overrides.log, pretty: true, requests: true, level: "debug" };
  for (const [i, key] of (values["api-key"] ?? []).entries()) {
    overrides.keys.push({ name: `cli-${i + 1}`, key, admin: false, priority: 0 });
  }
  // Flags are checked by the same schema as the file: a short key or a bad port is refused the same way.
  const config = validateConfig(overrides, "the command line");

  const upstream =
    values.upstream ??
    (values.aihost ? `http://${values.aihost}:${values.aihostport ?? "80"}/v1` : undefined);
  const log = createLogger(config.log.level, config.log.pretty);
  const workers = workerCount(gw, values.workers);
  if (workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import("./cluster/primary.ts");
    // The workers' own grace, and a margin for their stores to close, before they are killed.
    const stopTimeoutMs = config.server.shutdown_grace_ms + 5_000;
    runPrimary({ workers, stopTimeoutMs, broker: config.redis === undefined, log });
    return;
  }
  const worker = cluster.isWorker ? await import("./cluster/worker-setup.ts") : undefined;
  let mock: MockUpstream | undefined;
  if (upstream !== undefined) {
    config.providers.push(openAIProvider(gw, "upstream", upstream));
  } else if (config.providers.length === 0) {
    const { startMockUpstream } = await import("../mock/index.ts");
    mock = await startMockUpstream({ record: false, ttftMs: 20, itlMs: 15 });
    config.providers.push(openAIProvider(gw, "mock", `${mock.url}/v1`));
    log.warn(
      { upstream: mock.url },
      "no providers configured: serving in front of the built-in mock upstream",
    );
  }

  const sharedQuota =
    worker !== undefined && config.redis === undefined ? await worker.openWorkerQuota() : undefined;
  const notices = worker?.workerNotices();
  const running = await startGateway(config, log, { sharedQuota, notices });
  const providers = config.providers.map((p) => p.name);
  // A worker's primary says "llmgw listening" once every worker is.
  if (worker === undefined) log.info({ url: running.url, providers }, "llmgw listening");
  else {
    log.info({ url: running.url, providers, pid: process.pid }, "worker ready");
    worker.announceReady(running.url);
  }
  const stopWatching = reloadOn(gw, values.config, base, running, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(
      { signal, graceMs: config.server.shutdown_grace_ms },
      "shutting down: draining in-flight requests",
    );
    stopWatching();
    await running.close();
    await mock?.close();
    log.info("stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  // A worker whose primary has gone gets no more connections: it drains and exits.
  if (worker !== undefined) process.once("disconnect", () => void stop("primary gone"));
  // A worker that crashes ends its calls in flight with an error event (streams never stop silently),
  // then exits for the primary to start another.
  if (worker !== undefined) {
    process.once("uncaughtException", (error) => {
      log.fatal({ err: error }, "worker crashed: ending its calls in flight with an error");
      running.services.inFlight.abortAll(
        new gw.GatewayError("unavailable", "the gateway worker serving this call failed; retry the request"),
      );
      setTimeout(() => process.exit(1), 200);
    });
  }
}

/**
 * Config reload without a restart: SIGHUP and a watch on the config file
 * re-read it (see ConfigReloader for what is taken up). Returns the stop.
 */
function reloadOn(
  gw: Gateway,
  file: string | undefined,
  base: Config,
  running: Awaited<ReturnType<Gateway["startGateway"]>>,
  log: ReturnType<Gateway["createLogger"]>,
): () => void {
  if (file === undefined) {
    process.on("SIGHUP", () => log.warn("SIGHUP: there is no --config file to reload"));
    return () => {};
  }
  const reloader = new gw.ConfigReloader({
    file,
    current: base,
    applyRouting: (routing) => running.services.routing.update(gw.CONFIG_ADMIN, routing),
    log,
  });
  process.on("SIGHUP", () => reloader.reload("SIGHUP"));
  return gw.watchConfigFile(file, () => reloader.reload("file changed"));
}

async function main(): Promise<void> {
  const command = positionals[0] ?? "serve";
  if (values.help || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === "serve") return serve();
  if (command === "mock") {
    // The mock parses its own flags: hand it the words after "mock".
    const at = tokens.find((token) => token.kind === "positional")?.index;
    const { mockMain } = await import("../mock/main.ts");
    return mockMain(argv.filter((_, i) => i !== at));
  }
  refuse(`unknown command "${command}"\n\n${USAGE}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`llmgw: ${(error as Error).stack}\n`);
  process.exit(1);
});

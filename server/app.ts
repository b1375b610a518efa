import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Config } from "./config/schema.ts";
import { Gateway } from "./core/gateway.ts";
import { KeyRing } from "./core/key-ring.ts";
import { OnePortServer } from "./net/one-port-server.ts";
import { createAdapter } from "./providers/create-adapter.ts";
import { warmTokenizer } from "./providers/token-estimate.ts";
import { createRequestHandler } from "./request-handler.ts";
import { discoverModels } from "./routing/discovery.ts";
import { ModelRouter } from "./routing/model-router.ts";
import { SqliteLedger } from "./state/sqlite/sqlite-ledger.ts";
import { Metrics } from "./telemetry/metrics.ts";

/** A gateway that is listening. */
export interface RunningGateway {
  readonly url: string;
  readonly address: AddressInfo;
  readonly gateway: Gateway;
  /** Drains in-flight requests for up to `graceMs` (the configured grace by default), then stops. */
  close(graceMs?: number): Promise<void>;
}

const REDISCOVER_MS = 60_000;

/** Wires the layers together from a validated config and starts listening. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const adapters = config.providers.map(createAdapter);
  const router = new ModelRouter(config, adapters);
  const discoverable = new Set(config.providers.filter((p) => p.discover).map((p) => p.name));
  await discoverModels(router, log, discoverable);
  const rediscover = setInterval(() => void discoverModels(router, log, discoverable), REDISCOVER_MS);
  rediscover.unref();

  for (const [alias, target] of Object.entries(config.aliases)) {
    try {
      router.resolve(target);
    } catch (error) {
      log.warn({ alias, target, err: (error as Error).message }, "alias does not resolve");
    }
  }
  if (config.providers.length === 0) log.warn("no providers are configured: every chat request will fail");

  // TGI's native API reports no prompt tokens, so its usage is always partly estimated.
  if (config.providers.some((p) => p.type === "tgi")) warmTokenizer();

  const keys = new KeyRing(config.keys);
  if (keys.open) {
    log.warn(
      "NO API KEYS ARE CONFIGURED: the gateway is OPEN and anyone who can reach it can spend your upstream quota. " +
        "Add `keys:` to the config or pass --api-key.",
    );
  }
  const ledger = new SqliteLedger(config.usage.path, config.usage.flush_interval_ms, (error) =>
    log.error({ err: error }, "usage ledger write failed"),
  );
  const metrics = new Metrics();
  const gateway = new Gateway({
    keys,
    router,
    ledger,
    metrics,
    log,
    logRequests: config.log.requests,
    requestTimeoutMs: config.server.request_timeout_ms,
  });
  const handler = createRequestHandler(gateway, metrics, {
    bodyLimit: config.server.body_limit_bytes,
    corsOrigins: config.server.cors_origins,
  });
  const server = new OnePortServer(handler, {
    headerTimeoutMs: config.server.header_timeout_ms,
    keepAliveTimeoutMs: config.server.keep_alive_timeout_ms,
  });
  const address = await server.listen(config.server.port, config.server.host);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    address,
    gateway,
    async close(graceMs = config.server.shutdown_grace_ms) {
      clearInterval(rediscover);
      await server.close(graceMs, () => gateway.abortInFlight());
      gateway.inFlight.close();
      await ledger.close();
      await Promise.all(adapters.map((a) => a.close()));
    },
  };
}

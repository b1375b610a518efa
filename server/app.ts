import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { BenchmarkRunner } from "./benchmark/benchmark-runner.ts";
import { MeasuredQuality } from "./benchmark/measured-quality.ts";
import type { SharedQuota } from "./cluster/broker-quota-store.ts";
import type { OpenNotices } from "./cluster/cluster-notices.ts";
import { auditPath } from "./config/audit-schema.ts";
import { ConfigError } from "./config/config-error.ts";
import { hasLimits } from "./config/limits-schema.ts";
import type { Config } from "./config/schema.ts";
import { AuditLog } from "./core/audit-log.ts";
import { embedRunner } from "./core/embed-runner.ts";
import { execute } from "./core/execute.ts";
import { InFlight } from "./core/in-flight.ts";
import { KeyAdmin } from "./core/key-admin.ts";
import { LatencyWindow } from "./core/latency-window.ts";
import { buildPipeline } from "./core/pipeline.ts";
import { Readiness } from "./core/readiness.ts";
import { RoutingControl } from "./core/routing-control.ts";
import { RoutingNotices } from "./core/routing-notices.ts";
import type { GatewayServices } from "./core/services.ts";
import { UsageFeed } from "./core/usage-feed.ts";
import { UsageQueries } from "./core/usage-queries.ts";
import { GatewayError } from "./errors/gateway-error.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { uiRoutesFor, withUiCsp } from "./http/ui-setup.ts";
import { OnePortServer } from "./net/one-port-server.ts";
import { OverloadGuard } from "./net/overload-guard.ts";
import { readTlsFiles, watchTlsFiles } from "./net/tls-files.ts";
import { startRetention } from "./policy/audit/audit-retention.ts";
import { Authenticator } from "./policy/auth/authenticator.ts";
import { KeyRing } from "./policy/auth/key-ring.ts";
import { StoredKeys } from "./policy/auth/stored-keys.ts";
import { startBudgets } from "./policy/budget/budget-setup.ts";
import { startCache } from "./policy/cache/cache-setup.ts";
import { guardProfiles } from "./policy/guard/guard-profile.ts";
import { createAdapter } from "./providers/create-adapter.ts";
import { createRequestHandler, sendErrorFor } from "./request-handler.ts";
import { retrySettings } from "./routing/attempt/backoff.ts";
import { createBreaker } from "./routing/attempt/breaker.ts";
import { connectionPools } from "./routing/attempt/connection-pools.ts";
import { createSlotQueue } from "./routing/attempt/slot-queue.ts";
import { discoverModels } from "./routing/discovery.ts";
import { HealthProber } from "./routing/health-prober.ts";
import { ModelRouter } from "./routing/model-router.ts";
import { PassthroughPlanner } from "./routing/passthrough-planner.ts";
import { RoutePlanner } from "./routing/route-planner.ts";
import { RoutingTable } from "./routing/routing-table.ts";
import type { BudgetBackfill, BudgetStore } from "./state/budget-store.ts";
import type { LimitStore } from "./state/limit-store.ts";
import { MemoryQuotaStore } from "./state/memory/memory-quota-store.ts";
import { PostgresAuditSink } from "./state/postgres/postgres-audit-sink.ts";
import { PostgresBenchmarkStore } from "./state/postgres/postgres-benchmark-store.ts";
import { PostgresKeyStore } from "./state/postgres/postgres-key-store.ts";
import { PostgresLedger } from "./state/postgres/postgres-ledger.ts";
import { PostgresResponseStore } from "./state/postgres/postgres-response-store.ts";
import type { QuotaStore } from "./state/quota-store.ts";
import { ChangeNotices } from "./state/redis/change-notices.ts";
import { openLeases, openRedis } from "./state/redis/open-redis.ts";
import { RedisBudgetCaps } from "./state/redis/redis-budget-caps.ts";
import { RedisBudgetStore } from "./state/redis/redis-budget-store.ts";
import type { RedisConnection } from "./state/redis/redis-connection.ts";
import type { RedisLeases } from "./state/redis/redis-leases.ts";
import { RedisLimitStore } from "./state/redis/redis-limit-store.ts";
import { RedisQuotaStore } from "./state/redis/redis-quota-store.ts";
import { SqliteAuditSink } from "./state/sqlite/sqlite-audit-sink.ts";
import { SqliteBenchmarkStore } from "./state/sqlite/sqlite-benchmark-store.ts";
import { SqliteKeyStore } from "./state/sqlite/sqlite-key-store.ts";
import { SqliteLedger } from "./state/sqlite/sqlite-ledger.ts";
import { SqliteResponseStore } from "./state/sqlite/sqlite-response-store.ts";
import { hasHooks } from "./telemetry/hooks/hooks-policy.ts";
import type { TelemetryHooks } from "./telemetry/hooks/telemetry-hooks.ts";
import { WebhookSink } from "./telemetry/hooks/webhook-sink.ts";
import { Metrics } from "./telemetry/metrics.ts";
import { Tracing } from "./telemetry/tracing/tracing.ts";
import { warmTokenizer } from "./usage/token-estimate.ts";

/** A gateway that is listening. */
export interface RunningGateway {
  readonly url: string;
  readonly address: AddressInfo;
  readonly services: GatewayServices;
  /** Drains in-flight requests for up to `graceMs` (the configured grace by default), then stops. */
  close(graceMs?: number): Promise<void>;
}

const REDISCOVER_MS = 60_000;

/** What a gateway may be given from outside, rather than build itself. */
export interface GatewayOptions {
  /**
   * The limit and budget stores of the primary process (a `--workers N`
   * worker without Redis): every worker on the machine counts in them.
   */
  readonly sharedQuota?: SharedQuota;
  /** Change notices between the workers of one primary (without Redis, which carries them otherwise). */
  readonly notices?: OpenNotices;
  /** In-process telemetry hooks, for a program embedding the gateway (docs/observability.md). */
  readonly hooks?: TelemetryHooks;
  /**
   * Serves the gateway through another HTTP server than the one-port server
   * (bench/fastify-server.ts measures fastify this way). Without TLS only.
   */
  readonly server?: (handler: RequestHandler, services: GatewayServices) => PortServer;
}

/** The request handler every server in front of the gateway calls. */
export type RequestHandler = ReturnType<typeof createRequestHandler>;

/** What serves the request handler on a port (OnePortServer's shape). */
export interface PortServer {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Drains for up to `graceMs`, then runs `beforeDestroy` and closes what is left. */
  close(graceMs: number, beforeDestroy?: () => void): Promise<void>;
}

/** Wires the layers together from a validated config and starts listening. */
export async function startGateway(
  config: Config,
  log: Logger,
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const adapters = config.providers.map(createAdapter);
  const router = new ModelRouter(config, adapters);
  const discoverable = new Set(config.providers.filter((p) => p.discover).map((p) => p.name));
  await discoverModels(router, log, discoverable);
  const metrics = new Metrics();
  metrics.budgetSpend.perKey = config.metrics.per_key;
  const routing = new RoutingTable(config, router, {
    queue: createSlotQueue,
    breaker: (settings, id) => createBreaker(settings, id, metrics.deployments.breakerChanged),
  });
  metrics.deployments.watch(() => routing.deployments());
  const probeTargets = () => routing.deployments();
  let prober = new HealthProber(probeTargets, config.routing.health, log);
  prober.start();
  /** Probers retired by routing updates, still finishing a round. */
  let retired: Promise<unknown> = Promise.resolve();
  // The pipeline reads the retry settings from this object on each call; an update rewrites its fields.
  const retry = { ...retrySettings(config.routing.retry) };
  const planner = new RoutePlanner(routing);
  // With Redis, a routing change on one replica is put in force on every replica.
  const routingNotices = new RoutingNotices(
    () => routingControl,
    (error) => log.warn({ err: error }, "a routing change notice failed"),
  );
  const routingControl = new RoutingControl({
    table: routing,
    planner,
    providers: config.providers.map((p) => p.name),
    // What the table does not hold: retries take effect on the next call, health probes restart.
    applied: (next) => {
      routingNotices.changed(next);
      Object.assign(retry, retrySettings(next.retry));
      const old = prober;
      prober = new HealthProber(probeTargets, next.health, log);
      prober.start();
      retired = Promise.all([retired, old.close()]);
    },
  });
  // Rediscovery can teach the catalogue new facts (context windows, prices): the table takes them up.
  const rediscover = setInterval(
    () => void discoverModels(router, log, discoverable).then(() => routing.refresh()),
    REDISCOVER_MS,
  );
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

  // Stored keys live beside the ledger (its SQLite file, or PostgreSQL when set); config keys keep their names.
  const keyStore = config.postgres
    ? new PostgresKeyStore(config.postgres.url, (error) =>
        log.warn({ err: error }, "key store connection lost"),
      )
    : new SqliteKeyStore(config.usage.path);
  const storedKeys = await StoredKeys.load(keyStore, new Set(config.keys.map((k) => k.name)), (name) =>
    log.warn({ key: name }, "a stored key has the name of a config key: the stored one is refused"),
  );
  const keys = new KeyRing(config.keys, storedKeys);
  if (keys.open) {
    log.warn(
      "NO API KEYS ARE CONFIGURED: the gateway is OPEN and anyone who can reach it can spend your upstream quota. " +
        "Add `keys:` to the config or pass --api-key (or create a key with KeysService.CreateKey).",
    );
  }
  // Stored Responses API answers live beside the keys: the ledger's SQLite file, or PostgreSQL when set.
  const responseStore = config.postgres
    ? new PostgresResponseStore(config.postgres.url, (error) =>
        log.warn({ err: error }, "response store connection lost"),
      )
    : new SqliteResponseStore(config.usage.path);
  const onLedgerError = (error: unknown) => {
    metrics.sinks.failed("ledger");
    log.error({ err: error }, "usage ledger write failed");
  };
  const ledger = config.postgres
    ? new PostgresLedger(config.postgres.url, config.usage.flush_interval_ms, onLedgerError)
    : new SqliteLedger(config.usage.path, config.usage.flush_interval_ms, onLedgerError);
  ledger.onDropped = (rows) => metrics.sinks.dropped("ledger", rows);
  metrics.sinks.watchLag("ledger", () => ledger.lagMs() / 1000);
  // The audit log: its own SQLite file beside the ledger's, or PostgreSQL when set; absent when off.
  const auditOn =
    config.audit.enabled &&
    (config.audit.mode !== "off" || Object.values(config.audit.keys).some((mode) => mode !== "off"));
  const onAuditError = (error: unknown) => {
    metrics.sinks.failed("audit");
    log.error({ err: error }, "audit log write failed");
  };
  const auditSink = !auditOn
    ? undefined
    : config.postgres
      ? new PostgresAuditSink(config.postgres.url, config.audit.flush_interval_ms, onAuditError)
      : new SqliteAuditSink(
          auditPath(config.audit, config.usage.path),
          config.audit.flush_interval_ms,
          onAuditError,
        );
  if (auditSink !== undefined) {
    auditSink.onDropped = (records) => metrics.sinks.dropped("audit", records);
    metrics.sinks.watchLag("audit", () => auditSink.lagMs() / 1000);
  }
  const auditRetention =
    auditSink === undefined
      ? undefined
      : startRetention(
          auditSink,
          {
            retentionDays: config.audit.retention_days,
            maxRows: config.audit.max_rows,
            intervalMs: config.audit.prune_interval_ms,
          },
          (error) => log.warn({ err: error }, "audit log pruning failed"),
        );
  // Distributed: one Redis connection that both stores share, so N replicas count as one. Embedded:
  // in-process counters, exact for this one process.
  const redis = config.redis === undefined ? undefined : await openRedis(config.redis, log);
  const prefix = config.redis?.prefix;
  // Replicas hear of each other's key changes over Redis and reload their key caches from the shared store.
  // Over Redis between replicas; between the workers of one primary without it; else nobody to tell.
  const openNotices: OpenNotices | undefined =
    redis === undefined
      ? options.notices
      : (channel, onChange) => new ChangeNotices(redis, channel, onChange);
  const keyNotices = openNotices?.(`${prefix ?? "llmgw:"}keys:changed`, () => {
    storedKeys
      .reloadSoon()
      .catch((error: unknown) => log.error({ err: error }, "reloading the stored keys failed"));
  });
  if (keyNotices !== undefined) {
    storedKeys.onChanged = (name) => {
      keyNotices
        .announce(name)
        .catch((error: unknown) =>
          log.warn({ err: error, key: name }, "could not tell the other replicas of a key change"),
        );
    };
  }
  const shared = redis === undefined ? options.sharedQuota : undefined;
  const leases =
    redis === undefined || config.redis === undefined ? undefined : openLeases(redis, config.redis, log);
  const stores = shared ?? quotaStores(redis, prefix, leases);
  const routingChannel = openNotices?.(`${prefix ?? "llmgw:"}routing:changed`, (message) =>
    routingNotices.heard(message),
  );
  if (routingChannel !== undefined) routingNotices.attach(routingChannel);
  const degraded = { limits: false, budgets: false };
  const budgets = await startBudgets(config, {
    ledger,
    metrics,
    log,
    store: stores.budgets,
    caps: redis === undefined ? undefined : new RedisBudgetCaps(redis, prefix),
    // Only a shared ledger knows every replica's spend; each replica's own SQLite ledger does not.
    backfill: config.postgres === undefined ? undefined : stores.backfill,
    stored: storedKeys,
    onDegraded: (d) => {
      degraded.budgets = d;
    },
  });
  shared?.seeded();
  // 1 while the store fails: a policy's last operation failed, or Redis is not connected.
  const down = () => redis !== undefined && !redis.connected;
  // Distributed, a stored key's own limits or budgets may need the store at any time, so both are watched.
  if (hasLimits(config.limits) || redis !== undefined)
    metrics.state.watch("limits", () => degraded.limits || down());
  if (budgets.configured || redis !== undefined)
    metrics.state.watch("budgets", () => degraded.budgets || down());
  // One bound on upstream connections per provider, shared by callers' calls and the cache's embeddings.
  const pools = connectionPools(config.providers);
  // The response cache: memory embedded, the shared Redis distributed; it fails open.
  const cache = await startCache(config.cache, {
    log,
    metrics: metrics.cache,
    known: router,
    aliases: config.aliases,
    redis,
    prefix,
    // A configured embedding model is called like any caller's, through routing, retries and fallbacks.
    embed: embedRunner(planner, execute(retry, pools, []), 30_000),
  });
  if (cache !== undefined) metrics.state.watch("cache", () => cache.degraded() || down());
  const auth = new Authenticator(keys, log, () => metrics.countAuthFailure());
  const inFlight = new InFlight(config.server.request_timeout_ms);
  const usageFeed = new UsageFeed();
  const latencies = new LatencyWindow();
  const webhookSinks = config.telemetry.webhooks.map((webhook) => new WebhookSink(webhook, log));
  const hooks: TelemetryHooks[] = [...(hasHooks(options.hooks) ? [options.hooks] : []), ...webhookSinks];
  const tracing = config.telemetry.otlp === undefined ? undefined : new Tracing(config.telemetry.otlp);
  // Benchmark runs and results live beside the keys: the ledger's SQLite file, or PostgreSQL when set.
  const benchmarkStore = config.postgres
    ? new PostgresBenchmarkStore(config.postgres.url, (error) =>
        log.warn({ err: error }, "benchmark store connection lost"),
      )
    : new SqliteBenchmarkStore(config.usage.path);
  // Measured quality for the virtual models, read while `routing.benchmark_quality` is on.
  const measured = new MeasuredQuality(benchmarkStore);
  const remeasure = () =>
    measured
      .refresh()
      .catch((error: unknown) => log.warn({ err: error }, "reading benchmark results failed"));
  await remeasure();
  planner.qualityFeed = measured;
  const benchmarks = await BenchmarkRunner.start({
    // The runs' requests go through the pipeline built just below, as a surface's do.
    pipeline: (call) => services.pipeline(call),
    inFlight,
    store: benchmarkStore,
    log,
    onFinished: () => void remeasure(),
  });
  const services: GatewayServices = {
    pipeline: buildPipeline({
      auth,
      router,
      retry,
      pools,
      planner,
      ledger,
      limits: config.limits,
      quotaStore: stores.quota,
      onLimitsDegraded: (d) => {
        degraded.limits = d;
      },
      metrics,
      metricsPerKey: config.metrics.per_key,
      log,
      logRequests: config.log.requests,
      budgets: budgets.part,
      guards: guardProfiles(config.guards),
      passthrough:
        config.passthrough === undefined ? undefined : new PassthroughPlanner(planner, routing, adapters),
      audit:
        auditSink === undefined
          ? undefined
          : { sink: auditSink, modes: { mode: config.audit.mode, keys: config.audit.keys } },
      cache,
      tracing,
      hooks,
      usageFeed,
      latencies,
    }),
    inFlight,
    auth,
    catalog: router,
    usage: new UsageQueries(ledger),
    usageFeed,
    latencies,
    keys: new KeyAdmin(
      storedKeys,
      keys,
      config.keys,
      config.providers.map((p) => p.name),
      log,
    ),
    routing: routingControl,
    readiness: new Readiness(adapters),
    metrics,
    responses: responseStore,
    budgets: budgets.control,
    audit: new AuditLog(auditSink),
    cache: cache?.control,
    benchmarks,
  };
  const guard = config.overload.enabled ? new OverloadGuard(config.overload) : undefined;
  if (guard !== undefined) {
    metrics.overload.watch(guard);
    guard.onChange = (reason) =>
      reason === undefined
        ? log.info("overload: admitting new requests again")
        : log.warn({ reason }, "overload: shedding new requests with 503");
  }
  const handler = createRequestHandler(services, {
    bodyLimit: config.server.body_limit_bytes,
    corsOrigins: config.server.cors_origins,
    passthrough: config.passthrough,
    securityHeaders: securityHeaders(withUiCsp(config.security_headers, config.ui), config.tls !== undefined),
    ui: uiRoutesFor(config.ui, log),
    overload: guard === undefined ? undefined : { guard, retryAfterS: config.overload.retry_after_s },
  });
  if (options.server !== undefined && config.tls !== undefined)
    throw new ConfigError("a custom server cannot serve TLS");
  const onePort =
    options.server === undefined
      ? new OnePortServer(handler, {
          headerTimeoutMs: config.server.header_timeout_ms,
          keepAliveTimeoutMs: config.server.keep_alive_timeout_ms,
          bodyTimeoutMs: config.server.body_timeout_ms,
          maxConcurrentStreams: config.server.max_concurrent_streams,
          sendError: sendErrorFor,
          maxConnections: config.overload.enabled ? config.overload.max_connections : 0,
          tls: config.tls === undefined ? undefined : readTlsFiles(config.tls),
        })
      : undefined;
  const server: PortServer =
    onePort ?? (options.server as NonNullable<typeof options.server>)(handler, services);
  // A renewed certificate is taken up by new connections; a pair that does not load is refused and logged.
  const stopTlsWatch =
    config.tls === undefined
      ? undefined
      : watchTlsFiles(
          config.tls,
          (credentials) => {
            onePort?.setTlsCredentials(credentials);
            log.info("TLS certificate reloaded");
          },
          (error) =>
            log.error({ err: error }, "the changed TLS files do not load; the old ones keep serving"),
        );
  const address = await server.listen(config.server.port, config.server.host);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `${config.tls === undefined ? "http" : "https"}://${host}:${address.port}`,
    address,
    services,
    async close(graceMs = config.server.shutdown_grace_ms) {
      clearInterval(rediscover);
      stopTlsWatch?.();
      guard?.close();
      // Runs still going are stopped and stored as interrupted before their requests are cut.
      await benchmarks.close();
      await Promise.all([prober.close(), retired]);
      await server.close(graceMs, () =>
        inFlight.abortAll(new GatewayError("unavailable", "the gateway is shutting down; retry the request")),
      );
      inFlight.close();
      await budgets.close();
      await ledger.close();
      await tracing?.shutdown();
      await Promise.all(webhookSinks.map((sink) => sink.close()));
      auditRetention?.stop();
      await auditSink?.close();
      await keyStore.close();
      await responseStore.close();
      await benchmarkStore.close();
      await leases?.close();
      await stores.limits.close();
      await stores.budgets.close();
      await cache?.close();
      await keyNotices?.close();
      await routingChannel?.close();
      await redis?.close();
      await Promise.all(adapters.map((a) => a.close()));
    },
  };
}

/** The limit and budget stores, and the quota store over both: in memory, or on the one shared Redis. */
function quotaStores(
  redis: RedisConnection | undefined,
  prefix: string | undefined,
  leases: RedisLeases | undefined,
): { limits: LimitStore; budgets: BudgetStore; quota: QuotaStore; backfill?: BudgetBackfill } {
  if (redis === undefined) {
    const quota = new MemoryQuotaStore();
    return { limits: quota.limits, budgets: quota.budgets, quota };
  }
  const limits = new RedisLimitStore(redis, { prefix });
  const budgets = new RedisBudgetStore(redis, { prefix });
  return { limits, budgets, quota: new RedisQuotaStore(redis, limits, budgets, leases), backfill: budgets };
}

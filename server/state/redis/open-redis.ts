import type { Logger } from "pino";
import type { RedisConfig } from "../../config/redis-schema.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisLeases } from "./redis-leases.ts";

/**
 * Opens the gateway's one Redis connection from the `redis` config, with a
 * log that says when Redis is lost and when it is back, once each (ioredis
 * reports an error per reconnection attempt, up to one a second). Start-up
 * waits up to the connect timeout for Redis, then goes on without it: the
 * policies fail closed (or open) until it answers, and nothing counts per
 * replica meanwhile.
 */
export async function openRedis(config: RedisConfig, log: Logger): Promise<RedisConnection> {
  let lost = false;
  const connection = new RedisConnection({
    url: config.url,
    commandTimeoutMs: config.command_timeout_ms,
    connectTimeoutMs: config.connect_timeout_ms,
    onError: (error) => {
      if (lost) return;
      lost = true;
      log.error({ err: error }, "Redis is unreachable: limits and budgets on it fail until it is back");
    },
  });
  connection.client.on("ready", () => {
    if (!lost) return;
    lost = false;
    log.info("Redis is reachable again");
  });
  try {
    await connection.ready(config.connect_timeout_ms);
  } catch (error) {
    log.warn(
      { err: error },
      "Redis did not answer at start-up; starting anyway, it is retried in the background",
    );
  }
  return connection;
}

/**
 * Starts this replica's lease on its Redis holds (redis-leases.ts), with a
 * log line when renewing fails and when it works again, once each, and one
 * when a lapsed replica's holds are given back.
 */
export function openLeases(connection: RedisConnection, config: RedisConfig, log: Logger): RedisLeases {
  const leases = new RedisLeases(connection, {
    prefix: config.prefix,
    leaseMs: config.lease_ms,
    onTrouble: (error) => {
      if (error === undefined) log.info("the replica's Redis lease is renewed again");
      else
        log.warn(
          { err: error },
          "the replica's Redis lease cannot be renewed: once it lapses, other replicas give back its holds",
        );
    },
    onReclaimed: (replicas) =>
      log.warn(
        { replicas },
        "gave back the concurrency slots and budget reservations of replicas whose lease lapsed",
      ),
  });
  leases.start();
  return leases;
}

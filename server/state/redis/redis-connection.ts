import { Redis } from "ioredis";
import { GatewayError } from "../../errors/gateway-error.ts";

export interface RedisConnectionOptions {
  /** `redis://host:port/db`, as `redis.url` in the config. */
  readonly url: string;
  /** A command with no reply after this long rejects (a hung or partitioned Redis). Default 1,000 ms. */
  readonly commandTimeoutMs?: number;
  /** Connecting (or reconnecting) gives up after this long and tries again. Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Told of each connection error (for the log); the connection keeps retrying on its own. */
  readonly onError?: (error: Error) => void;
}

/** The longest pause between reconnection attempts, so a restarted Redis is picked up within it. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * One ioredis connection, set up to fail fast rather than wait: no offline
 * queue (a command while disconnected rejects at once), no retry of a command
 * whose connection dropped (a take or reservation is not idempotent: Redis
 * may have run it, and running it twice would count it twice), and a command
 * timeout. It reconnects by itself, forever, with a short capped backoff, and
 * re-loads the Lua scripts (ioredis falls back from EVALSHA to EVAL when a
 * restarted Redis has forgotten them). Stores share a connection; whoever
 * opened it closes it.
 */
export class RedisConnection {
  readonly client: Redis;
  /** How long a command waits for its reply before it rejects (ms). */
  readonly commandTimeoutMs: number;
  #lastError: Error | undefined;

  constructor(options: RedisConnectionOptions) {
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
    this.client.on("error", (error: Error) => {
      this.#lastError = error;
      options.onError?.(error);
    });
    this.client.on("ready", () => {
      this.#lastError = undefined;
    });
  }

  /** True while commands can be sent: the signal for the `llmgw_state_degraded` gauge (degraded = !connected). */
  get connected(): boolean {
    // A dropped socket stays "ready" until ioredis handles its close; until then it is not writable.
    return this.client.status === "ready" && this.client.stream?.writable === true;
  }

  /** The last connection error since the connection was last ready, if any. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Resolves once connected; rejects with `unavailable` if that takes longer than `timeoutMs`. */
  ready(timeoutMs = 5_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off("ready", onReady);
        reject(this.unreachable("Redis", new Error(`not connected after ${timeoutMs} ms`)));
      }, timeoutMs);
      this.client.once("ready", onReady);
    });
  }

  /** Closes the connection: politely when connected, at once when not. */
  async close(): Promise<void> {
    if (this.client.status === "end") return;
    if (this.connected) {
      try {
        await this.client.quit();
        return;
      } catch {
        // Fall through to a hard disconnect.
      }
    }
    this.client.disconnect();
  }

  /**
   * `reply`, or a rejection once the command timeout has passed since now,
   * whichever comes first. ioredis times a command from when it is written,
   * and with auto-pipelining a batch is written only once the batch before
   * it has settled: behind a hung Redis, a call would wait one timeout per
   * batch queued ahead of it. For commands that must fail in bounded time
   * (an admission, whose caller waits).
   */
  within<T>(reply: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Command timed out (no reply within ${this.commandTimeoutMs} ms)`)),
        this.commandTimeoutMs,
      );
      reply.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * The error every Redis-backed store rejects with when Redis errs or cannot
   * be reached: `unavailable`, retryable, naming the store. While
   * disconnected it gives the connection's own last error (ECONNREFUSED, a
   * timeout) rather than ioredis's "stream isn't writeable".
   */
  unreachable(store: string, error: unknown): GatewayError {
    let reason = error instanceof Error ? error.message : String(error);
    if (!this.connected) reason = `not connected (${this.#lastError?.message ?? "connection closed"})`;
    return new GatewayError("unavailable", `${store} is unreachable: ${reason}`, {
      retryable: true,
      cause: error,
    });
  }
}

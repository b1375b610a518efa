import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis-connection.ts";

/**
 * Tells every replica that a stored key changed (created, updated, revoked),
 * over Redis pub/sub, so that each reloads its key cache from the shared key
 * store within moments instead of at its next restart. A replica hears its
 * own notices too; reloading then is harmless. A notice sent while a replica
 * was disconnected is lost to it, so a replica also reloads whenever its
 * subscription comes back.
 */
export class KeyChangeNotices {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;

  /** `onChange` runs for every notice, and after every (re)subscription. */
  constructor(connection: RedisConnection, prefix: string, onChange: () => void) {
    this.#publisher = connection.client;
    this.#channel = `${prefix}keys:changed`;
    // A connection in subscriber mode can send nothing else: it gets a connection of its own.
    this.#subscriber = connection.client.duplicate({ enableOfflineQueue: true });
    this.#subscriber.on("error", () => {
      // The main connection already reports Redis being down; reconnection is ioredis's.
    });
    this.#subscriber.on("message", (channel: string) => {
      if (channel === this.#channel) onChange();
    });
    this.#subscriber.on("ready", () => {
      this.#subscriber.subscribe(this.#channel).then(onChange, () => {});
    });
  }

  /** Announces a change; a failure is returned for the caller to log (the change itself is stored). */
  async announce(name: string): Promise<void> {
    await this.#publisher.publish(this.#channel, name);
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect();
  }
}

import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis-connection.ts";

/**
 * Tells every replica that something shared changed (a stored key created,
 * updated or revoked; a budget cap set at runtime), over one Redis pub/sub
 * channel, so that each reloads it from the shared store within moments
 * instead of at its next restart. A replica hears its own notices too;
 * reloading then is harmless. A notice sent while a replica was
 * disconnected is lost to it, so a replica also reloads whenever its
 * subscription comes back.
 */
export class ChangeNotices {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;

  /** `onChange` runs for every notice (with its message), and after every (re)subscription (with ""). */
  constructor(connection: RedisConnection, channel: string, onChange: (message: string) => void) {
    this.#publisher = connection.client;
    this.#channel = channel;
    // A connection in subscriber mode can send nothing else: it gets a connection of its own.
    this.#subscriber = connection.client.duplicate({ enableOfflineQueue: true });
    this.#subscriber.on("error", () => {
      // The main connection already reports Redis being down; reconnection is ioredis's.
    });
    this.#subscriber.on("message", (from: string, message: string) => {
      if (from === this.#channel) onChange(message);
    });
    this.#subscriber.on("ready", () => {
      this.#subscriber.subscribe(this.#channel).then(
        () => onChange(""),
        () => {},
      );
    });
  }

  /** Announces a change; a failure is returned for the caller to log (the change itself is stored). */
  async announce(message: string): Promise<void> {
    await this.#publisher.publish(this.#channel, message);
  }

  async close(): Promise<void> {
    this.#subscriber.disconnect();
  }
}

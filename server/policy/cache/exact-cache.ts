import type { CachedAnswer } from "../../../gen/llmgw/v1/cache_pb.js";
import type { CompleteResponse } from "../../../gen/llmgw/v1/chat_pb.js";
import type { CacheStore } from "../../state/cache-store.ts";
import type { StoreHealth } from "../store-health.ts";
import { decodeAnswer, encodeAnswer } from "./cached-answer.ts";

/**
 * The exact cache over its store. It fails open: a store that errs is a
 * miss on read and a skipped write, reported once through the store's health
 * (the log and the `llmgw_state_degraded{store="cache"}` gauge), never an
 * error for the caller.
 */
export class ExactCache {
  readonly store: CacheStore;
  readonly health: StoreHealth;
  readonly #ttlMs: number;

  constructor(store: CacheStore, ttlMs: number, health: StoreHealth) {
    this.store = store;
    this.#ttlMs = ttlMs;
    this.health = health;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.store.get(key);
    } catch (error) {
      this.health.failed("get", error);
      return undefined;
    }
    if (this.health.degraded) this.health.recovered();
    return bytes === undefined ? undefined : decodeAnswer(bytes);
  }

  /** Stores an answer in the background: the caller's answer never waits for it. */
  put(key: string, response: CompleteResponse, costUsd: number | undefined): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeAnswer(response, costUsd);
    } catch (error) {
      this.health.failed("encode", error);
      return;
    }
    this.store.set(key, bytes, this.#ttlMs).then(
      () => {
        if (this.health.degraded) this.health.recovered();
      },
      (error: unknown) => this.health.failed("set", error),
    );
  }
}

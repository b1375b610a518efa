import { afterEach, describe, expect, it } from "vitest";
import { type CacheStore, cacheEntryKey } from "./cache-store.ts";

/**
 * Opens `replicas` stores over one empty state (fresh for each call), each
 * capped at `maxEntries` entries and `maxBytes` bytes: separate connections
 * to one Redis, or one memory store handed out `replicas` times.
 */
export type OpenCacheStores = (
  replicas: number,
  maxEntries: number,
  maxBytes: number,
) => Promise<CacheStore[]>;

const HOUR = 3_600_000;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);

/** What every `CacheStore` backend must do, whatever holds the entries. */
export function cacheStoreContract(name: string, open: OpenCacheStores): void {
  describe(`CacheStore contract: ${name}`, () => {
    const opened: CacheStore[] = [];
    const fresh = async (replicas = 1, maxEntries = 100, maxBytes = 1_000_000) => {
      const stores = await open(replicas, maxEntries, maxBytes);
      opened.push(...new Set(stores));
      return stores;
    };
    const one = async (maxEntries?: number, maxBytes?: number) =>
      (await fresh(1, maxEntries, maxBytes))[0] as CacheStore;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it("returns what was set, byte for byte, and nothing for a key never set", async () => {
      const store = await one();
      const value = new Uint8Array([0, 1, 2, 255, 0, 10]);
      await store.set("n:m:a", value, HOUR);
      expect(await store.get("n:m:a")).toEqual(value);
      expect(await store.get("n:m:b")).toBeUndefined();
    });

    it("overwrites an entry, counting its bytes once", async () => {
      const store = await one();
      await store.set("n:m:a", bytes("first"), HOUR);
      await store.set("n:m:a", bytes("second"), HOUR);
      expect(text(await store.get("n:m:a"))).toBe("second");
      expect((await store.stats()).entries).toBe(1);
    });

    it("forgets an entry once its TTL has passed", async () => {
      const store = await one();
      await store.set("n:m:short", bytes("x"), 30);
      await store.set("n:m:long", bytes("y"), HOUR);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await store.get("n:m:short")).toBeUndefined();
      expect(text(await store.get("n:m:long"))).toBe("y");
      expect((await store.stats()).entries).toBe(1);
    });

    it("keeps at most max entries, dropping the oldest", async () => {
      const store = await one(3);
      for (const k of ["a", "b", "c", "d"]) await store.set(`n:m:${k}`, bytes(k), HOUR);
      expect(await store.get("n:m:a")).toBeUndefined();
      expect(text(await store.get("n:m:d"))).toBe("d");
      expect((await store.stats()).entries).toBe(3);
    });

    it("keeps within max bytes", async () => {
      const store = await one(100, 2_500);
      for (let i = 0; i < 5; i++) await store.set(`n:m:${i}`, new Uint8Array(1_000), HOUR);
      const stats = await store.stats();
      expect(stats.bytes).toBeLessThanOrEqual(2_500);
      expect(stats.entries).toBeLessThanOrEqual(2);
      expect(await store.get("n:m:4")).toBeDefined();
    });

    it("invalidates everything, one key, a namespace or a model", async () => {
      const store = await one();
      const keys = [
        cacheEntryKey("ka", "m1", "h1"),
        cacheEntryKey("ka", "m2", "h2"),
        cacheEntryKey("kb", "m1", "h3"),
        cacheEntryKey("kb", "m2", "h4"),
        cacheEntryKey("m1", "m3", "h5"),
      ];
      for (const k of keys) await store.set(k, bytes(k), HOUR);
      expect(await store.invalidate({ kind: "key", key: keys[0] as string })).toBe(1);
      expect(await store.get(keys[0] as string)).toBeUndefined();
      expect(await store.invalidate({ kind: "model", tag: "m1" })).toBe(1);
      expect(await store.get(keys[2] as string)).toBeUndefined();
      // A namespace tag that equals a model tag matches only as a namespace.
      expect(await store.get(keys[4] as string)).toBeDefined();
      expect(await store.invalidate({ kind: "namespace", tag: "kb" })).toBe(1);
      expect(await store.get(keys[3] as string)).toBeUndefined();
      expect(await store.invalidate({ kind: "all" })).toBe(2);
      expect(await store.stats()).toEqual({ entries: 0, bytes: 0 });
    });

    it("shares entries and invalidations between replicas", async () => {
      const [a, b] = (await fresh(2)) as [CacheStore, CacheStore];
      await a.set("n:m:shared", bytes("answer"), HOUR);
      expect(text(await b.get("n:m:shared"))).toBe("answer");
      await b.invalidate({ kind: "all" });
      expect(await a.get("n:m:shared")).toBeUndefined();
    });
  });
}

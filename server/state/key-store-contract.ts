import { afterEach, describe, expect, it } from "vitest";
import type { KeyStore, StoredKey } from "./key-store.ts";

const T0 = Date.UTC(2026, 11, 1, 12);

/** A key with every field set; tests override what they look at. */
export function storedKey(over: Partial<StoredKey> = {}): StoredKey {
  const name = over.name ?? "app";
  return {
    name,
    digest: `${name}-digest`.padEnd(64, "0"),
    prefix: "sk-llmgw-Ab3dEf",
    owner: "ana@example.com",
    team: "search",
    metadata: { cost_center: "42" },
    admin: false,
    priority: 5,
    enabled: true,
    expiresAt: T0 + 86_400_000,
    models: ["gpt-4o-mini", "claude-*"],
    providers: ["openai"],
    limits: [{ requests: 60, tokens: 100_000, window: 60_000 }, { concurrent: 2 }],
    budgets: [
      { usd: 1.5, period: "day" },
      { tokens: 2_000_000, period: "month" },
    ],
    createdAt: T0,
    updatedAt: T0,
    revokedAt: undefined,
    ...over,
  };
}

/** The behaviour every KeyStore backend must have: run it against each (`keyStoreContract("SQLite", …)`). */
export function keyStoreContract(backend: string, open: () => KeyStore): void {
  describe(`the key store contract: ${backend}`, () => {
    const opened: KeyStore[] = [];
    const store = () => {
      const s = open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("gives back a created key by its digest, every field as it was stored", async () => {
      const s = store();
      const key = storedKey();
      await s.create(key);
      expect(await s.get(key.digest)).toEqual(key);
      expect(await s.get("f".repeat(64))).toBeUndefined();
    });

    it("keeps unset expiry, lists, limits and budgets as unset, not as empty", async () => {
      const s = store();
      const key = storedKey({
        expiresAt: undefined,
        models: undefined,
        providers: undefined,
        metadata: {},
        limits: undefined,
        budgets: undefined,
      });
      await s.create(key);
      expect(await s.get(key.digest)).toEqual(key);
    });

    it("keeps empty limits and budgets (no per-key rule at all) apart from unset ones", async () => {
      const s = store();
      const key = storedKey({ limits: [], budgets: [] });
      await s.create(key);
      expect(await s.get(key.digest)).toEqual(key);
    });

    it("replaces a key's limits and budgets, and null clears them", async () => {
      const s = store();
      const key = storedKey();
      await s.create(key);
      const limits = [{ requests: 5, window: 900_000 }];
      const raised = await s.update("app", { limits, budgets: null }, T0 + 1);
      expect(raised).toMatchObject({ limits, budgets: undefined });
      expect(await s.get(key.digest)).toEqual({ ...key, limits, budgets: undefined, updatedAt: T0 + 1 });
      const budgets = [{ usd: 0.15, tokens: 10, period: "day" as const }];
      await s.update("app", { limits: null, budgets }, T0 + 2);
      expect(await s.get(key.digest)).toEqual({ ...key, limits: undefined, budgets, updatedAt: T0 + 2 });
    });

    it("lists every key by name, revoked ones included", async () => {
      const s = store();
      await s.create(storedKey({ name: "b" }));
      await s.create(storedKey({ name: "a" }));
      await s.revoke("b", T0 + 1);
      const keys = await s.list();
      expect(keys.map((k) => [k.name, k.revokedAt])).toEqual([
        ["a", undefined],
        ["b", T0 + 1],
      ]);
    });

    it("refuses a second key with a taken name, even when many race for it", async () => {
      const s = store();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => s.create(storedKey({ digest: `${i}`.padEnd(64, "a") }))),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: "invalid_request", param: "name" });
      expect(await s.list()).toHaveLength(1);
    });

    it("updates only the fields given, and null clears an expiry or a list", async () => {
      const s = store();
      const key = storedKey();
      await s.create(key);
      const updated = await s.update(
        "app",
        { owner: "bo", enabled: false, expiresAt: null, models: null, metadata: { env: "prod" } },
        T0 + 5,
      );
      const expected = {
        ...key,
        owner: "bo",
        enabled: false,
        expiresAt: undefined,
        models: undefined,
        metadata: { env: "prod" },
        updatedAt: T0 + 5,
      };
      expect(updated).toEqual(expected);
      expect(await s.get(key.digest)).toEqual(expected);
      expect(await s.update("nobody", { owner: "x" }, T0)).toBeUndefined();
    });

    it("revokes for good: the first revocation time stays, and an update does not undo it", async () => {
      const s = store();
      await s.create(storedKey());
      expect((await s.revoke("app", T0 + 10))?.revokedAt).toBe(T0 + 10);
      expect((await s.revoke("app", T0 + 20))?.revokedAt).toBe(T0 + 10);
      expect((await s.update("app", { enabled: true }, T0 + 30))?.revokedAt).toBe(T0 + 10);
      expect(await s.revoke("nobody", T0)).toBeUndefined();
    });

    it("applies concurrent updates to different fields without losing either", async () => {
      const s = store();
      await s.create(storedKey());
      await Promise.all([s.update("app", { owner: "bo" }, T0 + 1), s.update("app", { priority: 9 }, T0 + 2)]);
      expect(await s.get(storedKey().digest)).toMatchObject({ owner: "bo", priority: 9 });
    });
  });
}

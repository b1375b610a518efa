import { afterEach, describe, expect, it } from "vitest";
import { storedKey } from "../../state/key-store-contract.ts";
import { SqliteKeyStore } from "../../state/sqlite/sqlite-key-store.ts";
import { KeyRing } from "./key-ring.ts";
import { newSecret, SECRET_PREFIX } from "./key-secret.ts";
import { StoredKeys } from "./stored-keys.ts";

const CONFIG = [{ name: "ops", key: "sk-ops-admin-123", admin: true }];

describe("stored keys beside config keys", () => {
  const stores: SqliteKeyStore[] = [];
  const store = () => {
    const s = new SqliteKeyStore(":memory:");
    stores.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function ring(s = store()) {
    const stored = await StoredKeys.load(s, new Set(["ops"]));
    return { stored, ring: new KeyRing(CONFIG, stored) };
  }

  it("generates secrets of 32 random bytes, keeping only their digest and a short prefix", () => {
    const a = newSecret();
    const b = newSecret();
    expect(a.secret).toMatch(/^sk-llmgw-[A-Za-z0-9_-]{43}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(a.prefix).toBe(a.secret.slice(0, SECRET_PREFIX.length + 6));
  });

  it("authenticates a created key at once, with its rights and scope, and config keys still", async () => {
    const { stored, ring: keys } = await ring();
    const { secret, digest, prefix } = newSecret();
    await stored.create(storedKey({ name: "app", digest, prefix, expiresAt: undefined }));
    expect(keys.authenticate(secret)).toMatchObject({
      name: "app",
      admin: false,
      priority: 5,
      team: "search",
      owner: "ana@example.com",
      scope: { models: new Set(["gpt-4o-mini"]), modelPrefixes: ["claude-"], providers: new Set(["openai"]) },
    });
    expect(keys.authenticate("sk-ops-admin-123").name).toBe("ops");
  });

  it("refuses a key from the next request on once it is revoked, disabled or past its expiry", async () => {
    const { stored, ring: keys } = await ring();
    const made = [newSecret(), newSecret(), newSecret()];
    for (const [i, s] of made.entries()) {
      await stored.create(storedKey({ name: `k${i}`, digest: s.digest, expiresAt: undefined }));
    }
    await stored.revoke("k0", Date.now());
    await stored.update("k1", { enabled: false }, Date.now());
    await stored.update("k2", { expiresAt: Date.UTC(2020, 0, 1) }, Date.now());
    expect(() => keys.authenticate(made[0]?.secret)).toThrow("API key has been revoked");
    expect(() => keys.authenticate(made[1]?.secret)).toThrow("API key is disabled");
    expect(() => keys.authenticate(made[2]?.secret)).toThrow("API key expired at 2020-01-01T00:00:00.000Z");
    await stored.update("k1", { enabled: true }, Date.now());
    expect(keys.authenticate(made[1]?.secret).name).toBe("k1");
  });

  it("keeps names unique across config and stored keys", async () => {
    const s = store();
    const { stored } = await ring(s);
    await expect(stored.create(storedKey({ name: "ops" }))).rejects.toMatchObject({
      code: "invalid_request",
      param: "name",
    });
    await stored.create(storedKey({ name: "app" }));
    await expect(stored.create(storedKey({ name: "app", digest: "b".repeat(64) }))).rejects.toThrow(
      /exists already/,
    );
    // A stored key whose name the config took since is left out, not let in under a shared name.
    await s.create(storedKey({ name: "later-in-config", digest: "c".repeat(64) }));
    const shadowed: string[] = [];
    const reloaded = await StoredKeys.load(s, new Set(["later-in-config"]), (n) => shadowed.push(n));
    expect(shadowed).toEqual(["later-in-config"]);
    expect(reloaded.list().map((k) => k.name)).toEqual(["app"]);
  });

  it("closes an open gateway once a key is stored, and never reopens it", async () => {
    const stored = await StoredKeys.load(store(), new Set());
    const keys = new KeyRing([], stored);
    expect(keys.open).toBe(true);
    expect(keys.authenticate(undefined).admin).toBe(true);
    const { secret, digest } = newSecret();
    await stored.create(storedKey({ name: "first", digest }));
    expect(keys.open).toBe(false);
    expect(() => keys.authenticate(undefined)).toThrow(/missing API key/);
    await stored.revoke("first", Date.now());
    expect(keys.open).toBe(false);
    expect(() => keys.authenticate(secret)).toThrow(/revoked/);
  });

  it("loads what an earlier process stored", async () => {
    const s = store();
    const { stored } = await ring(s);
    const { secret, digest } = newSecret();
    await stored.create(storedKey({ name: "app", digest, expiresAt: undefined }));
    const { ring: again } = await ring(s);
    expect(again.authenticate(secret).name).toBe("app");
  });
});

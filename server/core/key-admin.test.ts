import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { KeyRing } from "../policy/auth/key-ring.ts";
import { StoredKeys } from "../policy/auth/stored-keys.ts";
import { SqliteKeyStore } from "../state/sqlite/sqlite-key-store.ts";
import type { KeyInfo } from "./call.ts";
import { KeyAdmin } from "./key-admin.ts";

const ADMIN: KeyInfo = { name: "ops", admin: true, priority: 0, team: "" };
const USER: KeyInfo = { name: "app", admin: false, priority: 0, team: "" };

describe("key administration", () => {
  const stores: SqliteKeyStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  async function setup(config: ConstructorParameters<typeof KeyRing>[0] = []) {
    const store = new SqliteKeyStore(":memory:");
    stores.push(store);
    const lines: Array<{ msg: string; level: number }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const stored = await StoredKeys.load(store, new Set(config.map((k) => k.name)));
    const ring = new KeyRing(config, stored);
    return { admin: new KeyAdmin(stored, ring, config, ["openai", "anthropic"], log), ring, lines };
  }

  it("creates a key whose secret authenticates, and never shows the secret again", async () => {
    const { admin, ring, lines } = await setup([{ name: "ops", key: "sk-ops-admin-123", admin: true }]);
    const { key, secret } = await admin.create(ADMIN, "search", { models: ["gpt-*"], team: "search" });
    expect(ring.authenticate(secret)).toMatchObject({ name: "search", team: "search" });
    expect(key).toMatchObject({ name: "search", source: "stored", models: ["gpt-*"], enabled: true });
    const shown = JSON.stringify([admin.list(ADMIN, true), admin.get(ADMIN, "search"), lines]);
    expect(shown).not.toContain(secret.slice(key.prefix.length));
    expect(lines.map((l) => l.msg)).toEqual(["API key created"]);
  });

  it("refuses every operation to a key that is not an admin key", async () => {
    const { admin } = await setup();
    await expect(admin.create(USER, "x", {})).rejects.toMatchObject({ code: "permission_denied" });
    expect(() => admin.list(USER, false)).toThrow(/only admin keys/);
    expect(() => admin.get(USER, "x")).toThrow(/only admin keys/);
    await expect(admin.update(USER, "x", {})).rejects.toMatchObject({ code: "permission_denied" });
    await expect(admin.revoke(USER, "x")).rejects.toMatchObject({ code: "permission_denied" });
  });

  it("refuses settings the config file would refuse, naming the field", async () => {
    const { admin } = await setup();
    const refused = (settings: Parameters<KeyAdmin["create"]>[2], name = "k") =>
      admin.create(ADMIN, name, settings).then(
        () => undefined,
        (e: { code: string; param: string }) => [e.code, e.param],
      );
    expect(await refused({}, "has space")).toEqual(["invalid_request", "name"]);
    expect(await refused({}, "")).toEqual(["invalid_request", "name"]);
    expect(await refused({ priority: 1001 })).toEqual(["invalid_request", "priority"]);
    expect(await refused({ priority: 1.5 })).toEqual(["invalid_request", "priority"]);
    expect(await refused({ models: ["a*b"] })).toEqual(["invalid_request", "models"]);
    expect(await refused({ providers: ["gemini"] })).toEqual(["invalid_request", "providers"]);
    expect(await refused({ expiresAt: Number.NaN })).toEqual(["invalid_request", "expire_time"]);
    expect(admin.list(ADMIN, true)).toEqual([]);
  });

  it("warns when the first stored key closes an open gateway", async () => {
    const { admin, ring, lines } = await setup();
    expect(ring.open).toBe(true);
    // The anonymous caller of an open gateway is an admin.
    await admin.create(ring.authenticate(undefined), "first", { admin: true });
    expect(ring.open).toBe(false);
    expect(lines.map((l) => l.msg)).toContain(
      "the gateway is no longer open: every request needs a valid key from now on",
    );
  });

  it("shows config keys but leaves them to the file", async () => {
    const { admin } = await setup([
      { name: "ops", key: "sk-ops-admin-123", admin: true, expires_at: "2030-01-01T00:00:00Z" },
    ]);
    expect(admin.get(ADMIN, "ops")).toMatchObject({
      source: "config",
      prefix: "",
      expiresAt: Date.UTC(2030, 0, 1),
      admin: true,
    });
    await expect(admin.revoke(ADMIN, "ops")).rejects.toThrow(/defined in the config file/);
    await expect(admin.update(ADMIN, "ops", { enabled: false })).rejects.toThrow(
      /defined in the config file/,
    );
    await expect(admin.revoke(ADMIN, "nobody")).rejects.toMatchObject({ code: "not_found" });
    expect(() => admin.get(ADMIN, "nobody")).toThrow(/no key is named "nobody"/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresServer } from "../../../test/harness/postgres-server.ts";
import { responseStoreContract, storedResponse } from "../response-store-contract.ts";
import { PostgresResponseStore } from "./postgres-response-store.ts";

/** The contract opens its stores synchronously: each gets one of these empty databases. */
const DATABASES = 8;

let server: PostgresServer;
const databases: string[] = [];
beforeAll(async () => {
  server = await PostgresServer.start();
  for (let i = 0; i < DATABASES; i++) databases.push(await server.database());
});
afterAll(async () => {
  await server?.stop();
});

function emptyDatabase(): string {
  const url = databases.shift();
  if (url === undefined) throw new Error(`raise DATABASES: the tests open more than ${DATABASES} stores`);
  return url;
}

responseStoreContract("PostgreSQL", () => new PostgresResponseStore(emptyDatabase()));

describe("the PostgreSQL response store", () => {
  it("shares its responses between replicas", async () => {
    const url = emptyDatabase();
    const first = new PostgresResponseStore(url);
    const second = new PostgresResponseStore(url);
    try {
      await Promise.all([first.put(storedResponse()), second.put(storedResponse({ id: "resp_b" }))]);
      expect(await second.get(storedResponse().id)).toEqual(storedResponse());
      expect(await first.delete("resp_b")).toBe(true);
      expect(await second.get("resp_b")).toBeUndefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});

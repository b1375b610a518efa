import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresServer } from "../../../test/harness/postgres-server.ts";
import { benchmarkResult, benchmarkRun, benchmarkStoreContract } from "../benchmark-store-contract.ts";
import { PostgresBenchmarkStore } from "./postgres-benchmark-store.ts";

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

benchmarkStoreContract("PostgreSQL", () => new PostgresBenchmarkStore(emptyDatabase()));

describe("the PostgreSQL benchmark store", () => {
  it("shares runs and results between replicas", async () => {
    const url = emptyDatabase();
    const first = new PostgresBenchmarkStore(url);
    const second = new PostgresBenchmarkStore(url);
    try {
      await Promise.all([first.saveRun(benchmarkRun()), second.saveRun(benchmarkRun({ id: "run_b" }))]);
      await first.addResult(benchmarkResult());
      expect(await second.getRun("run_0001")).toEqual(benchmarkRun());
      expect(await second.results("run_0001")).toEqual([benchmarkResult()]);
      expect((await first.listRuns(10)).runs.map((r) => r.id).sort()).toEqual(["run_0001", "run_b"]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchmarkResult, benchmarkRun, benchmarkStoreContract } from "../benchmark-store-contract.ts";
import { SqliteBenchmarkStore } from "./sqlite-benchmark-store.ts";
import { SqliteResponseStore } from "./sqlite-response-store.ts";

const dir = mkdtempSync(join(tmpdir(), "llmgw-benchmarks-"));
let files = 0;
const freshPath = () => join(dir, `benchmarks-${files++}.db`);

benchmarkStoreContract("SQLite, in a file", () => new SqliteBenchmarkStore(freshPath()));
benchmarkStoreContract("SQLite, in memory", () => new SqliteBenchmarkStore(":memory:"));

describe("the SQLite benchmark store", () => {
  it("keeps its runs and results across a restart, in the file it shares with other stores", async () => {
    const path = freshPath();
    const responses = new SqliteResponseStore(path);
    const first = new SqliteBenchmarkStore(path);
    await first.saveRun(benchmarkRun());
    await first.addResult(benchmarkResult());
    await first.close();
    const second = new SqliteBenchmarkStore(path);
    try {
      expect(await second.getRun("run_0001")).toEqual(benchmarkRun());
      expect(await second.results("run_0001")).toEqual([benchmarkResult()]);
      expect(await responses.get("resp_x")).toBeUndefined();
    } finally {
      await second.close();
      await responses.close();
    }
  });
});

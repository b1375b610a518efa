import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { RedisServer } from "../../../test/harness/redis-server.ts";
import { normalise, SparseVector } from "../unit-vector.ts";
import type { VectorEntry, VectorIndex } from "../vector-index.ts";
import { vectorIndexContract } from "../vector-index-contract.ts";
import { RedisConnection } from "./redis-connection.ts";
import { RedisVectorIndex } from "./redis-vector-index.ts";

let redis: RedisServer;
const connections: RedisConnection[] = [];
let opened = 0;

beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  await redis?.stop();
});

async function connect(): Promise<RedisConnection> {
  const connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 500, connectTimeoutMs: 500 });
  connections.push(connection);
  await connection.ready();
  return connection;
}

// Each "replica" is its own connection and its own local index; a fresh prefix gives each test empty state.
vectorIndexContract("Redis", async (replicas) => {
  const prefix = `t${++opened}:`;
  return Promise.all(
    Array.from({ length: replicas }, async () => RedisVectorIndex.open(await connect(), { prefix })),
  );
});

function entry(key: string, values: number[], fields: Partial<VectorEntry> = {}): VectorEntry {
  return {
    key,
    partition: "p",
    namespace: "",
    model: "m",
    vector: normalise(Float32Array.from(values)),
    expiresAt: Date.now() + 60_000,
    ...fields,
  };
}

describe("RedisVectorIndex", () => {
  it("loads what exists when a replica starts", async () => {
    const prefix = `load${++opened}:`;
    // More entries than one load batch (500); brute force only, so that the test times Redis, not HNSW.
    const local = { bruteForceMax: 10_000 };
    const first = await RedisVectorIndex.open(await connect(), { prefix, local });
    for (let i = 0; i < 700; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => first.add(entry(`k${i + j}`, [1, i + j, 0]))));
    }
    await first.add(entry("gone", [0, 0, 1], { expiresAt: Date.now() - 1 }));
    const late = await RedisVectorIndex.open(await connect(), { prefix, local });
    expect(late.size).toBe(700);
    expect(await late.nearest("p", normalise(Float32Array.of(1, 7, 0)), 0.9999)).toMatchObject({ key: "k7" });
    await Promise.all([first.close(), late.close()]);
  });

  it("loads past an entry its local index refuses (a dense vector in a sparse partition)", async () => {
    const prefix = `mixed${++opened}:`;
    const first = await RedisVectorIndex.open(await connect(), { prefix });
    const sparse = new SparseVector(1_024, Uint32Array.of(1, 9), Float32Array.of(0.6, 0.8));
    // A load reads entries soonest expiry first, ties by key ("dense" < "sparse"): the dense
    // entry expires later, so the sparse one is read first in every run, not only when the two
    // were written in different milliseconds.
    const expiresAt = Date.now() + 60_000;
    await first.add(entry("sparse", [], { vector: sparse, expiresAt }));
    // Stored in Redis, then refused by this replica's sparse partition.
    await expect(first.add(entry("dense", [1, 0, 0], { expiresAt: expiresAt + 1_000 }))).rejects.toThrow(
      /cannot join a partition of sparse/,
    );
    const late = await RedisVectorIndex.open(await connect(), { prefix });
    expect(late.size).toBe(1);
    expect(await late.nearest("p", sparse, 0.99)).toMatchObject({ key: "sparse" });
    await Promise.all([first.close(), late.close()]);
  });

  it("answers lookups while Redis is down, refuses changes, and catches up when it is back", async () => {
    const prefix = `fault${++opened}:`;
    const states: boolean[] = [];
    const a = await RedisVectorIndex.open(await connect(), {
      prefix,
      blockMs: 500,
      onDegraded: (degraded) => states.push(degraded),
    });
    const b = await RedisVectorIndex.open(await connect(), { prefix, blockMs: 500 });
    const indexes: VectorIndex[] = [a, b];
    try {
      await a.add(entry("before", [1, 0, 0]));
      await vi.waitFor(() => expect(b.size).toBe(1), { timeout: 1_000, interval: 10 });

      await redis.kill();
      // Fails open: the local index still answers.
      expect(await b.nearest("p", normalise(Float32Array.of(1, 0, 0)), 0.9)).toMatchObject({ key: "before" });
      await expect(a.add(entry("during", [0, 1, 0]))).rejects.toMatchObject({ code: "unavailable" });
      await expect(a.remove({ key: "before" })).rejects.toMatchObject({ code: "unavailable" });
      await vi.waitFor(() => expect(states).toEqual([true]), { timeout: 5_000, interval: 20 });

      // A restarted Redis has lost everything (nothing is persisted in tests): both replicas reload to that.
      await redis.restart();
      await vi.waitFor(() => expect(states).toEqual([true, false]), { timeout: 5_000, interval: 20 });
      await vi.waitFor(() => expect(b.size).toBe(0), { timeout: 5_000, interval: 20 });
      await vi.waitFor(async () => a.add(entry("after", [0, 0, 1])), { timeout: 5_000, interval: 50 });
      await vi.waitFor(
        async () =>
          expect(await b.nearest("p", normalise(Float32Array.of(0, 0, 1)), 0.9)).toMatchObject({
            key: "after",
          }),
        { timeout: 5_000, interval: 10 },
      );
    } finally {
      await Promise.all(indexes.map((index) => index.close()));
    }
  });
});

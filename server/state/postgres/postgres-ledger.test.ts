import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresServer } from "../../../test/harness/postgres-server.ts";
import { GatewayError } from "../../errors/gateway-error.ts";
import { ledgerRollupContract } from "../ledger-rollup-contract.ts";
import { ledgerSinkContract, usageRecord } from "../ledger-sink-contract.ts";
import { PostgresLedger } from "./postgres-ledger.ts";

const ALL = { startMs: 0, endMs: Date.UTC(2100, 0, 1) };
/** Longer than any test: every row a test sees was flushed by `totals` or `close`. */
const NEVER = 600_000;

let server: PostgresServer;
beforeAll(async () => {
  server = await PostgresServer.start();
});
afterAll(async () => {
  await server?.stop();
});

ledgerSinkContract("PostgreSQL", async () => new PostgresLedger(await server.database(), NEVER));

describe("PostgresLedger", () => {
  it("writes on its flush interval, and another replica's ledger reads the rows", async () => {
    const url = await server.database();
    const writer = new PostgresLedger(url, 20);
    const reader = new PostgresLedger(url, NEVER);
    try {
      writer.record(usageRecord());
      await expect
        .poll(async () => (await reader.totals(ALL))[0]?.requests, { timeout: 5_000, interval: 25 })
        .toBe(1);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it("flushes once enough rows wait, without waiting for the interval", async () => {
    const url = await server.database();
    const writer = new PostgresLedger(url, NEVER);
    const reader = new PostgresLedger(url, NEVER);
    try {
      for (let i = 0; i < 2_000; i++) writer.record(usageRecord({ promptTokens: 1 }));
      await expect
        .poll(async () => (await reader.totals(ALL))[0]?.promptTokens, { timeout: 5_000, interval: 25 })
        .toBe(2_000);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it("flushes on close, and stores each row's attempts, deployment and unknown cost", async () => {
    const url = await server.database();
    const ledger = new PostgresLedger(url, NEVER);
    ledger.record(usageRecord({ requestId: "r1", attempts: 3, deployment: "cloud:gpt-4o", estimated: true }));
    ledger.record(
      usageRecord({
        requestId: "r2",
        status: "unauthenticated",
        attempts: 0,
        deployment: "",
        costUsd: undefined,
      }),
    );
    await ledger.close();
    expect(
      await server.query(
        "SELECT request_id, status, attempts, deployment, estimated, cost_usd FROM usage ORDER BY request_id",
        [],
        url,
      ),
    ).toEqual([
      {
        request_id: "r1",
        status: "ok",
        attempts: 3,
        deployment: "cloud:gpt-4o",
        estimated: true,
        cost_usd: 0.5,
      },
      {
        request_id: "r2",
        status: "unauthenticated",
        attempts: 0,
        deployment: "",
        estimated: false,
        cost_usd: null,
      },
    ]);
  });

  it("brings an older table up to date, once, when two replicas open it together", async () => {
    const url = await server.database();
    await server.query(
      `CREATE TABLE usage (
         at BIGINT NOT NULL, request_id TEXT NOT NULL, key TEXT NOT NULL, surface TEXT NOT NULL,
         provider TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL,
         prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
         reasoning_tokens BIGINT NOT NULL, estimated BOOLEAN NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
         ttft_ms DOUBLE PRECISION NOT NULL, cost_usd DOUBLE PRECISION)`,
      [],
      url,
    );
    await server.query(
      "INSERT INTO usage VALUES ($1, 'old-1', 'team-a', 'openai', 'mock', 'mock-small', 'ok', 7, 20, 0, 0, false, 100, 10, 0.5)",
      [usageRecord().at],
      url,
    );
    const errors: unknown[] = [];
    const first = new PostgresLedger(url, NEVER, (error) => errors.push(error));
    const second = new PostgresLedger(url, NEVER, (error) => errors.push(error));
    first.record(usageRecord({ requestId: "new-1", promptTokens: 5, attempts: 2, deployment: "a:m" }));
    second.record(usageRecord({ requestId: "new-2", promptTokens: 6, attempts: 1, deployment: "b:m" }));
    try {
      await second.totals(ALL);
      expect((await first.totals(ALL))[0]).toMatchObject({ requests: 3, promptTokens: 18 });
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    expect(errors).toEqual([]);
    expect(
      await server.query("SELECT request_id, attempts, deployment FROM usage ORDER BY request_id", [], url),
    ).toEqual([
      { request_id: "new-1", attempts: 2, deployment: "a:m" },
      { request_id: "new-2", attempts: 1, deployment: "b:m" },
      { request_id: "old-1", attempts: 0, deployment: "" },
    ]);
  });

  it("starts while PostgreSQL is down, and creates its table once it is up", async () => {
    const url = await server.database();
    await server.kill();
    const errors: unknown[] = [];
    const ledger = new PostgresLedger(url, NEVER, (error) => errors.push(error));
    try {
      await expect(ledger.totals(ALL)).rejects.toMatchObject({ code: "unavailable" });
      expect(errors.length).toBeGreaterThan(0);
      await server.restart();
      ledger.record(usageRecord({ promptTokens: 4 }));
      expect((await ledger.totals(ALL))[0]?.promptTokens).toBe(4);
    } finally {
      await ledger.close();
    }
  });

  it("gives up on a hung server after its timeout, and carries on once it answers again", async () => {
    const url = await server.database();
    const errors: unknown[] = [];
    const ledger = new PostgresLedger(url, NEVER, (error) => errors.push(error), 300);
    try {
      expect(await ledger.totals(ALL)).toEqual([]);
      server.freeze();
      const started = Date.now();
      try {
        ledger.record(usageRecord({ promptTokens: 100 }));
        await expect(ledger.totals(ALL)).rejects.toMatchObject({ code: "unavailable" });
      } finally {
        server.thaw();
      }
      // The write and the read each waited one timeout, and no more.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(errors.length).toBeGreaterThan(0);
      ledger.record(usageRecord({ promptTokens: 2 }));
      // The write that timed out reached the server and committed once it resumed; it was sent again,
      // and that second attempt added nothing: the row is there once, not twice.
      expect((await ledger.totals(ALL))[0]).toMatchObject({ requests: 2, promptTokens: 102 });
    } finally {
      await ledger.close();
    }
  });

  it("reports writes and reads while PostgreSQL is down, never throws at record, and writes the held rows when it is back", async () => {
    const url = await server.database();
    const errors: unknown[] = [];
    const ledger = new PostgresLedger(url, NEVER, (error) => errors.push(error));
    try {
      ledger.record(usageRecord({ promptTokens: 1 }));
      expect((await ledger.totals(ALL))[0]?.promptTokens).toBe(1);
      await server.kill();
      expect(() => ledger.record(usageRecord({ promptTokens: 100 }))).not.toThrow();
      const failed = await ledger.totals(ALL).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(GatewayError);
      expect((failed as GatewayError).code).toBe("unavailable");
      expect(errors.length).toBeGreaterThan(0);
      await server.restart();
      ledger.record(usageRecord({ promptTokens: 10 }));
      // The row recorded while the server was down was held, and written once it was back.
      expect((await ledger.totals(ALL))[0]?.promptTokens).toBe(111);
    } finally {
      await ledger.close();
    }
  });
});

ledgerRollupContract("PostgreSQL", async () => new PostgresLedger(await server.database(), NEVER));

import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord, AuditSink } from "./audit-sink.ts";

const AT = Date.UTC(2026, 0, 1, 10);
let serial = 0;

/** A record with every field set; tests override what they look at. */
export function auditRecord(over: Partial<AuditRecord> = {}): AuditRecord {
  serial++;
  return {
    id: `rec-${String(serial).padStart(6, "0")}-${Math.random().toString(36).slice(2, 8)}`,
    at: AT + serial,
    requestId: `req-${serial}`,
    surface: "openai",
    key: "alice",
    team: "",
    model: "mock-small",
    provider: "mock",
    status: "ok",
    promptTokens: 10,
    completionTokens: 20,
    costUsd: 0.5,
    latencyMs: 12.5,
    mode: "full",
    request: '{"model":"mock-small","messages":[{"role":"user","content":"hello"}]}',
    response: '{"text":"hi there"}',
    toolsOffered: ["get_weather"],
    toolCalls: [],
    hasSystemPrompt: true,
    requestHash: "ab".repeat(32),
    guard: "",
    ...over,
  };
}

async function all(iterable: AsyncIterable<AuditRecord>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

/**
 * What every `AuditSink` backend must do. Run it with a factory that opens an
 * empty sink whose flush interval is far longer than a test, so that "seen
 * by a read" means "flushed by the read".
 */
export function auditSinkContract(name: string, open: () => AuditSink | Promise<AuditSink>): void {
  describe(`AuditSink contract: ${name}`, () => {
    const opened: AuditSink[] = [];
    const fresh = async () => {
      const sink = await open();
      opened.push(sink);
      return sink;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((sink) => sink.close()));
    });

    it("stores every field and reads a record back by id", async () => {
      const sink = await fresh();
      const record = auditRecord({ costUsd: undefined, toolCalls: ["a", "b"], hasSystemPrompt: false });
      sink.record(record);
      expect(await sink.get(record.id)).toEqual(record);
      expect(await sink.get("nope")).toBeUndefined();
    });

    it("pages newest first by an (at, id) cursor, ties included, without repeats or gaps", async () => {
      const sink = await fresh();
      const records = Array.from({ length: 7 }, (_, i) => auditRecord({ at: AT + Math.floor(i / 3) }));
      for (const r of records) sink.record(r);
      const seen: string[] = [];
      let token = "";
      for (let pages = 0; pages < 10; pages++) {
        const page = await sink.query({}, { pageSize: 3, pageToken: token });
        seen.push(...page.records.map((r) => r.id));
        token = page.nextPageToken;
        if (token === "") break;
      }
      const expected = [...records].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((r) => r.id);
      expect(seen).toEqual(expected);
    });

    it("filters by time, key, model, status, guard rule and free text (case-insensitive, literal % and _)", async () => {
      const sink = await fresh();
      const a = auditRecord({ key: "alice", at: AT });
      const b = auditRecord({ key: "bob", model: "big", status: "rate_limited", at: AT + 10 });
      const c = auditRecord({
        key: "bob",
        guard: '[{"rule":"aws_key","action":"block"}]',
        request: '{"text":"Deploy 100%_DONE now"}',
        at: AT + 20,
      });
      for (const r of [a, b, c]) sink.record(r);
      const ids = async (filter: object) =>
        (await sink.query(filter, { pageSize: 50 })).records.map((r) => r.id);
      expect(await ids({ key: "bob" })).toEqual([c.id, b.id]);
      expect(await ids({ model: "big" })).toEqual([b.id]);
      expect(await ids({ status: "rate_limited" })).toEqual([b.id]);
      expect(await ids({ guardRule: "aws_key" })).toEqual([c.id]);
      expect(await ids({ guardRule: "aws" })).toEqual([]);
      expect(await ids({ text: "deploy 100%_done" })).toEqual([c.id]);
      expect(await ids({ text: "100%x" })).toEqual([]);
      expect(await ids({ text: "HI THERE" })).toHaveLength(3);
      expect(await ids({ startMs: AT + 10, endMs: AT + 20 })).toEqual([b.id]);
      expect(await ids({ key: "", model: "", text: "" })).toHaveLength(3);
    });

    it("exports every matching record oldest first, beyond one read chunk", async () => {
      const sink = await fresh();
      for (let i = 0; i < 1_203; i++) sink.record(auditRecord({ key: i % 2 === 0 ? "even" : "odd" }));
      const even = await all(sink.export({ key: "even" }));
      expect(even).toHaveLength(602);
      expect(even.every((r, i) => i === 0 || (even[i - 1] as AuditRecord).at < r.at)).toBe(true);
    });

    it("prunes records older than a cut-off and caps the row count, oldest first", async () => {
      const sink = await fresh();
      const now = Date.now();
      const old = auditRecord({ at: now - 10 * 86_400_000 });
      const recent = [1, 2, 3].map((i) => auditRecord({ at: now - i * 1_000 }));
      for (const r of [old, ...recent]) sink.record(r);
      expect(await sink.prune(86_400_000)).toBe(1);
      expect(await sink.get(old.id)).toBeUndefined();
      expect(await sink.cap(2)).toBe(1);
      const left = (await sink.query({}, { pageSize: 10 })).records.map((r) => r.id);
      expect(left).toEqual([recent[0]?.id, recent[1]?.id]);
    });

    it("reports how long its oldest unwritten record has waited, and 0 once it is written", async () => {
      const sink = await fresh();
      expect(sink.lagMs()).toBe(0);
      sink.record(auditRecord());
      await new Promise((resolve) => setTimeout(resolve, 15));
      expect(sink.lagMs()).toBeGreaterThanOrEqual(10);
      // A read flushes first: once it answers, nothing waits.
      await sink.query({}, { pageSize: 10 });
      expect(sink.lagMs()).toBe(0);
    });

    it("refuses a page token it did not issue", async () => {
      const sink = await fresh();
      await expect(sink.query({}, { pageSize: 5, pageToken: "garbage" })).rejects.toThrow(/page_token/);
    });

    it("ignores records after close instead of throwing at the caller", async () => {
      const sink = await fresh();
      await sink.close();
      expect(() => sink.record(auditRecord())).not.toThrow();
      await expect(sink.close()).resolves.toBeUndefined();
    });
  });
}

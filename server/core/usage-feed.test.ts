import { describe, expect, it } from "vitest";
import { createCall, type KeyInfo } from "./call.ts";
import type { Outcome } from "./end-hooks.ts";
import { BATCH_MAX, UsageFeed } from "./usage-feed.ts";

const admin: KeyInfo = { name: "ops", admin: true, priority: 0, team: "" };
const bob: KeyInfo = { name: "bob", admin: false, priority: 0, team: "red" };
const all = { key: "", model: "", team: "" };

function ended(requestId: string, key: KeyInfo, model = "m1"): [Outcome, ReturnType<typeof createCall>] {
  const call = createCall({
    requestId,
    surface: "rpc",
    signal: new AbortController().signal,
    startedAt: 0,
    deadline: Number.POSITIVE_INFINITY,
    credential: undefined,
    op: "chat",
    stream: false,
  });
  call.key = key;
  call.chat = { model } as never;
  const outcome: Outcome = {
    status: "ok",
    error: undefined,
    usage: undefined,
    served: undefined,
    attempts: 1,
    latencyMs: 5,
    ttftMs: 0,
    costUsd: undefined,
  };
  return [outcome, call];
}

describe("the usage feed", () => {
  it("hands each watcher the events its filter matches, a non-admin only its own", async () => {
    const feed = new UsageFeed();
    const stop = new AbortController();
    const mine = feed.watch(bob, all, stop.signal)[Symbol.asyncIterator]();
    const models = feed.watch(admin, { ...all, model: "m2" }, stop.signal)[Symbol.asyncIterator]();
    feed.publish(...ended("a", admin));
    feed.publish(...ended("b", bob));
    feed.publish(...ended("c", admin, "m2"));
    expect((await mine.next()).value.requestId).toBe("b");
    expect((await models.next()).value.requestId).toBe("c");
    stop.abort();
    expect((await mine.next()).done).toBe(true);
    expect(feed.watching).toBe(false);
  });

  it("refuses a non-admin watching another key", () => {
    expect(() => new UsageFeed().watch(bob, { ...all, key: "eve" }, new AbortController().signal)).toThrow(
      expect.objectContaining({ code: "permission_denied" }),
    );
  });

  it("drops a watcher that falls a whole buffer behind, with watcher_too_slow, and forgets it", async () => {
    const feed = new UsageFeed(3);
    const slow = feed.watch(admin, all, new AbortController().signal)[Symbol.asyncIterator]();
    for (let i = 0; i < 4; i++) feed.publish(...ended(`r${i}`, bob));
    expect(feed.watching).toBe(false);
    await expect(slow.next()).rejects.toMatchObject({ code: "watcher_too_slow" });
  });

  it("keeps a watcher that keeps up, however many events pass", async () => {
    const feed = new UsageFeed(2);
    const keeping = feed.watch(admin, all, new AbortController().signal)[Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) {
      feed.publish(...ended(`r${i}`, bob));
      expect((await keeping.next()).value.requestId).toBe(`r${i}`);
    }
    expect(feed.watching).toBe(true);
  });

  it("groups events by window in batch mode: one batch per window, sooner when it fills, the rest on close", async () => {
    const feed = new UsageFeed();
    const stop = new AbortController();
    const batches = feed.watch(admin, all, stop.signal).batches(50)[Symbol.asyncIterator]();
    const first = batches.next();
    for (const id of ["a", "b", "c"]) feed.publish(...ended(id, bob));
    expect((await first).value.map((e: { requestId: string }) => e.requestId)).toEqual(["a", "b", "c"]);
    // A full batch goes at once, without waiting out the window.
    const full = batches.next();
    for (let i = 0; i < BATCH_MAX + 1; i++) feed.publish(...ended(`n${i}`, bob));
    expect((await full).value).toHaveLength(BATCH_MAX);
    const rest = batches.next();
    stop.abort();
    expect((await rest).value.map((e: { requestId: string }) => e.requestId)).toEqual([`n${BATCH_MAX}`]);
    expect((await batches.next()).done).toBe(true);
    expect(feed.watching).toBe(false);
  });
});

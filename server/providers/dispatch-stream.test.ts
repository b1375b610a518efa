import type { Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { type BodyReader, UpstreamBody } from "./dispatch-stream.ts";

const limits = { provider: "p", responseBytes: 1 << 20, eventBytes: 1 << 10 };

/** Stands in for undici's controller: it records what the body asks of the socket. */
function controller() {
  const calls: string[] = [];
  let paused = false;
  const c = {
    pause: () => {
      paused = true;
      calls.push("pause");
    },
    resume: () => {
      if (paused) calls.push("resume");
      paused = false;
    },
    abort: () => calls.push("abort"),
    get paused() {
      return paused;
    },
  };
  return { calls, c: c as unknown as Dispatcher.DispatchController };
}

function reader() {
  const seen: string[] = [];
  const r: BodyReader = {
    chunk: (bytes) => seen.push(bytes.toString()),
    end: (error) => seen.push(error === undefined ? "end" : `error: ${error.message}`),
  };
  return { seen, r };
}

function body() {
  const { calls, c } = controller();
  const b = new UpstreamBody(limits);
  b.attach(c, () => {});
  return { calls, b };
}

describe("an upstream body pushed to its reader", () => {
  it("hands chunks straight on once read, after those that arrived before", () => {
    const { b } = body();
    const { seen, r } = reader();
    b.push(Buffer.from("a"));
    b.read(r);
    expect(seen).toEqual(["a"]);
    b.push(Buffer.from("b"));
    b.end();
    expect(seen).toEqual(["a", "b", "end"]);
  });

  it("pauses the socket while paused and delivers the held chunks, then the end, on resume", () => {
    const { b, calls } = body();
    const { seen, r } = reader();
    b.read(r);
    b.pause();
    b.push(Buffer.from("a"));
    b.end();
    expect(seen).toEqual([]);
    expect(calls).toEqual(["pause"]);
    b.resume();
    expect(seen).toEqual(["a", "end"]);
  });

  it("tells a paused reader of a failure at once, without the chunks still held", () => {
    const { b } = body();
    const { seen, r } = reader();
    b.read(r);
    b.pause();
    b.push(Buffer.from("a"));
    b.end(new Error("deadline"));
    expect(seen).toEqual(["error: deadline"]);
  });

  it("pauses the socket when a reader is slow to start, and resumes it when it does", () => {
    const { b, calls } = body();
    for (let i = 0; i < 32; i++) b.push(Buffer.from("x"));
    expect(calls).toEqual(["pause"]);
    const { seen, r } = reader();
    b.read(r);
    expect(calls).toEqual(["pause", "resume"]);
    expect(seen).toHaveLength(32);
  });

  it("aborts the upstream on destroy, and the reader hears nothing more", () => {
    const { b, calls } = body();
    const { seen, r } = reader();
    b.read(r);
    b.destroy();
    b.push(Buffer.from("late"));
    b.end(new Error("aborted"));
    expect(calls).toEqual(["abort"]);
    expect(seen).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import type { ByteSink, RawBody } from "../../providers/passthrough/passthrough.ts";
import { MAX_CAPTURED_BYTES, RawCapture } from "./raw-capture.ts";

function body(chunks: Buffer[]): RawBody {
  return {
    usage: undefined,
    start(sink: ByteSink) {
      for (const c of chunks) sink.chunk(c);
      sink.end();
    },
    pause() {},
    resume() {},
    cancel() {},
  };
}

describe("RawCapture", () => {
  it("passes every byte on and keeps a copy, up to its bound, saying how much it did not keep", () => {
    const big = Buffer.alloc(MAX_CAPTURED_BYTES - 2, "a");
    const capture = new RawCapture(body([big, Buffer.from("bcdef")]));
    const passed: Buffer[] = [];
    let ended = false;
    capture.start({ chunk: (b) => passed.push(b), end: () => (ended = true), fail() {} });
    expect(ended).toBe(true);
    expect(Buffer.concat(passed).length).toBe(MAX_CAPTURED_BYTES + 3);
    const text = capture.text();
    expect(text.startsWith("a")).toBe(true);
    expect(text).toContain("aabc\n[audit: 3 more bytes not stored]");
  });

  it("keeps a small answer whole", () => {
    const capture = new RawCapture(body([Buffer.from('data: {"x":1}\n\n'), Buffer.from("data: [DONE]\n\n")]));
    capture.start({ chunk() {}, end() {}, fail() {} });
    expect(capture.text()).toBe('data: {"x":1}\n\ndata: [DONE]\n\n');
  });
});

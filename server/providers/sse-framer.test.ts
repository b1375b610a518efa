import { describe, expect, it } from "vitest";
import { sseFramer } from "./sse-framer.ts";

const limits = { provider: "p", responseBytes: 1 << 20, eventBytes: 64 };
const bytes = (text: string) => new TextEncoder().encode(text);

/** An SSE framer over `limits`, with the payloads it delivered. */
function framed() {
  const seen: string[] = [];
  return { seen, framer: sseFramer(limits, (data) => seen.push(data)) };
}

describe("the SSE push framer", () => {
  it("delivers each event's data synchronously, in the feed that completes it", () => {
    const { seen, framer } = framed();
    framer.feed(bytes('data: {"a":1}\n\ndata: {"b"'));
    expect(seen).toEqual(['{"a":1}']);
    framer.feed(bytes(":2}\n\n"));
    expect(seen).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("joins multi-line data, ignores comments, names and ids, and takes \\r\\n line ends", () => {
    const { seen, framer } = framed();
    framer.feed(bytes(": ping\r\nevent: message_start\r\nid: 7\r\ndata: one\r\ndata: two\r\n\r\n"));
    expect(seen).toEqual(["one\ntwo"]);
  });

  it("decodes a UTF-8 sequence split across chunks", () => {
    const { seen, framer } = framed();
    const euro = bytes("data: €\n\n");
    framer.feed(euro.slice(0, 7));
    framer.feed(euro.slice(7));
    expect(seen).toEqual(["€"]);
  });

  it("drops an event the body ended before terminating, as the SSE specification says", () => {
    const { seen, framer } = framed();
    framer.feed(bytes("data: done\n\ndata: cut"));
    framer.end();
    expect(seen).toEqual(["done"]);
  });

  it("lets what the receiver throws out of feed, after the events before it", () => {
    const seen: string[] = [];
    const framer = sseFramer(limits, (data) => {
      if (data === "bad") throw new Error("malformed");
      seen.push(data);
    });
    expect(() => framer.feed(bytes("data: ok\n\ndata: bad\n\ndata: never\n\n"))).toThrow("malformed");
    expect(seen).toEqual(["ok"]);
  });

  it("throws upstream_response_too_large for an event over max_event_bytes, whole or growing", () => {
    const whole = framed();
    expect(() => whole.framer.feed(bytes(`data: ${"x".repeat(65)}\n\n`))).toThrow(
      expect.objectContaining({ code: "upstream_response_too_large" }),
    );
    const growing = framed();
    growing.framer.feed(bytes(`data: ${"y".repeat(40)}`));
    expect(() => growing.framer.feed(bytes("y".repeat(40)))).toThrow(
      expect.objectContaining({ code: "upstream_response_too_large" }),
    );
  });
});

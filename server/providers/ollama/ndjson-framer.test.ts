import { describe, expect, it } from "vitest";
import { ndjsonFramer } from "./ndjson-framer.ts";

const limits = { provider: "p", responseBytes: 1 << 20, eventBytes: 16 };
const bytes = (text: string) => new TextEncoder().encode(text);

describe("the NDJSON push framer", () => {
  it("delivers each line as its newline arrives, and the last unterminated line at the end", () => {
    const lines: string[] = [];
    const framer = ndjsonFramer(limits, (line) => lines.push(line));
    framer.feed(bytes('{"a":1}\n{"b":'));
    expect(lines).toEqual(['{"a":1}']);
    framer.feed(bytes("2}\r\n\n  \n"));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    framer.feed(bytes('{"c":3}'));
    expect(lines).toHaveLength(2);
    framer.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("throws upstream_response_too_large for a line over max_event_bytes, ended or not, after the lines before it", () => {
    const lines: string[] = [];
    const ended = ndjsonFramer(limits, (line) => lines.push(line));
    expect(() => ended.feed(bytes(`{"a":1}\n"${"x".repeat(20)}"\n`))).toThrow(
      expect.objectContaining({ code: "upstream_response_too_large" }),
    );
    expect(lines).toEqual(['{"a":1}']);
    const endless = ndjsonFramer(limits, () => {});
    endless.feed(bytes('"xxxxxxxxxx'));
    expect(() => endless.feed(bytes("xxxxxxxxxx"))).toThrow(
      expect.objectContaining({ code: "upstream_response_too_large" }),
    );
  });
});

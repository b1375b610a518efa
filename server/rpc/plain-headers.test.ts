import { describe, expect, it } from "vitest";
import { PlainHeaders } from "./plain-headers.ts";

type Step = ["append" | "set", string, string] | ["delete", string];

/** Runs the same steps on the WHATWG Headers and on PlainHeaders, and compares everything observable. */
function same(init: Record<string, string>, steps: Step[], probes: string[]): void {
  const real = new Headers(init);
  const plain = new PlainHeaders(init);
  for (const step of steps) {
    if (step[0] === "delete") {
      real.delete(step[1]);
      plain.delete(step[1]);
    } else {
      real[step[0]](step[1], step[2]);
      plain[step[0]](step[1], step[2]);
    }
  }
  expect([...plain]).toEqual([...real]);
  expect([...plain.keys()]).toEqual([...real.keys()]);
  expect([...plain.values()]).toEqual([...real.values()]);
  expect(plain.getSetCookie()).toEqual(real.getSetCookie());
  const seen: Array<[string, string]> = [];
  plain.forEach((value, name) => {
    seen.push([name, value]);
  });
  expect(seen).toEqual([...real.entries()]);
  for (const name of probes) {
    expect(plain.get(name)).toBe(real.get(name));
    expect(plain.has(name)).toBe(real.has(name));
  }
}

describe("PlainHeaders", () => {
  it("behaves as the WHATWG Headers for names, joins, deletes, trimming and order", () => {
    same(
      { "X-Request-Id": "  abc\t", authorization: "Bearer k", "content-type": "application/grpc" },
      [
        ["append", "x-request-id", "def"],
        ["set", "Grpc-Status", "0"],
        ["append", "grpc-message", "a%20b"],
        ["delete", "Authorization"],
        ["set", "x-empty", ""],
        ["append", "A-First", "1"],
      ],
      ["x-request-id", "X-REQUEST-ID", "grpc-status", "authorization", "x-empty", "a-first", "missing"],
    );
  });

  it("keeps each set-cookie apart, as Headers does", () => {
    same(
      {},
      [
        ["append", "Set-Cookie", "a=1"],
        ["append", "set-cookie", "b=2"],
        ["append", "x-b", "2"],
      ],
      ["set-cookie"],
    );
    same(
      {},
      [
        ["append", "set-cookie", "a=1"],
        ["set", "set-cookie", "c=3"],
      ],
      ["set-cookie"],
    );
    same(
      {},
      [
        ["append", "set-cookie", "a=1"],
        ["delete", "Set-Cookie"],
      ],
      ["set-cookie"],
    );
  });

  it("refuses what Headers refuses: a name that is not a token, a value with CR, LF or NUL", () => {
    for (const [name, value] of [
      ["bad name", "v"],
      ["x:y", "v"],
      ["", "v"],
      ["x-ok", "a\r\nb"],
      ["x-ok", "a\0b"],
    ] as const) {
      expect(() => new Headers().set(name, value)).toThrow(TypeError);
      expect(() => new PlainHeaders().set(name, value)).toThrow(TypeError);
      expect(() => new PlainHeaders().append(name, value)).toThrow(TypeError);
    }
    expect(() => new PlainHeaders({ "bad name": "v" })).toThrow(TypeError);
    expect(() => new PlainHeaders().get("bad name")).toThrow(TypeError);
  });
});

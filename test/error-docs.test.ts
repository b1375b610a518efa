import { readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type ErrorCode, errorWire } from "../server/errors/error-codes.ts";

/**
 * docs/errors.md copies the error table of server/errors/error-codes.ts by hand; this keeps the two
 * from drifting (as fastify checks its error catalogue against its docs page).
 */

const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");
const source = readFileSync(new URL("../server/errors/error-codes.ts", import.meta.url), "utf8");

/** The rows of the doc's first table, by code. */
function documentedRows(): Map<string, string[]> {
  const table = doc.slice(doc.indexOf("## The table"), doc.indexOf("Notes:"));
  const rows = new Map<string, string[]>();
  for (const line of table.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim().replaceAll("`", ""));
    const code = cells[1];
    if (code === undefined || !/^[a-z_]+$/.test(code) || code === "code") continue;
    rows.set(code, cells.slice(2, 6));
  }
  return rows;
}

/** SCREAMING_CASE of a Connect code, as the doc writes it (Code.ResourceExhausted → RESOURCE_EXHAUSTED). */
function connectName(code: Code): string {
  return Code[code]
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .replace("CANCELED", "CANCELLED");
}

describe("docs/errors.md", () => {
  it("lists every code of the taxonomy with its Connect code, HTTP status, OpenAI type and retryability", () => {
    const codes = [...source.matchAll(/^ {4}case "([a-z_]+)":/gm)].map((m) => m[1] as ErrorCode);
    const rows = documentedRows();
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    for (const code of codes) {
      const wire = errorWire(code);
      expect(rows.get(code), code).toEqual([
        connectName(wire.connect),
        String(wire.http),
        wire.openaiType,
        wire.retryable ? "yes" : "no",
      ]);
    }
  });
});

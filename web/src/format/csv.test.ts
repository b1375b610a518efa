import { describe, expect, it } from "vitest";
import { toCsv } from "./csv.ts";

describe("CSV export", () => {
  it("writes a header and rows with CRLF line ends, numbers and bigints as they are", () => {
    expect(toCsv(["day", "requests", "cost"], [["2026-12-01", 12n, 0.25]])).toBe(
      "day,requests,cost\r\n2026-12-01,12,0.25\r\n",
    );
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(toCsv(["a"], [['say "hi", then\nleave']])).toBe('a\r\n"say ""hi"", then\nleave"\r\n');
  });

  it("defuses fields a spreadsheet would run as formulas", () => {
    expect(toCsv(["key"], [["=HYPERLINK(1)"], ["+1"], ["-2"], ["@x"], ["ok-name"]])).toBe(
      "key\r\n'=HYPERLINK(1)\r\n'+1\r\n'-2\r\n'@x\r\nok-name\r\n",
    );
  });

  it("writes only the header for no rows", () => {
    expect(toCsv(["a", "b"], [])).toBe("a,b\r\n");
  });
});

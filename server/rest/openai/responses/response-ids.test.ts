import { describe, expect, it } from "vitest";
import { itemId, newResponseId, responseIdOfItem } from "./response-ids.ts";

describe("response and item ids", () => {
  it("names each item after its response, so a reference leads back to it", () => {
    const id = newResponseId();
    expect(id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(newResponseId()).not.toBe(id);
    for (const kind of ["msg", "fc", "rs"] as const) {
      const item = itemId(kind, id, 3);
      expect(item.startsWith(`${kind}_`)).toBe(true);
      expect(responseIdOfItem(item)).toBe(id);
    }
  });

  it("knows no response for an id it did not make", () => {
    expect(responseIdOfItem("msg_67ccd3acc8d48190a77525dc6de64b41")).toBeUndefined();
    expect(responseIdOfItem("resp_x")).toBeUndefined();
    expect(responseIdOfItem(`fc_${"a".repeat(48)}_1x`)).toBeUndefined();
  });
});

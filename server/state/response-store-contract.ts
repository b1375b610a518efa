import { afterEach, describe, expect, it } from "vitest";
import type { ResponseStore, StoredResponse } from "./response-store.ts";

const T0 = Date.UTC(2026, 11, 1, 12);

/** A response with every field set; tests override what they look at. */
export function storedResponse(over: Partial<StoredResponse> = {}): StoredResponse {
  return {
    id: "resp_0123456789abcdef",
    keyName: "app",
    createdAt: T0,
    conversation: JSON.stringify([{ role: "ROLE_USER", content: [{ text: "héllo 👋" }] }]),
    response: JSON.stringify({ id: "resp_0123456789abcdef", object: "response", output: [] }),
    ...over,
  };
}

/** The behaviour every ResponseStore backend must have: run it against each. */
export function responseStoreContract(backend: string, open: () => ResponseStore): void {
  describe(`the response store contract: ${backend}`, () => {
    const opened: ResponseStore[] = [];
    const store = () => {
      const s = open();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it("gives back a stored response by its id, every field as it was stored", async () => {
      const s = store();
      const response = storedResponse();
      await s.put(response);
      expect(await s.get(response.id)).toEqual(response);
      expect(await s.get("resp_unknown")).toBeUndefined();
    });

    it("keeps large conversations whole", async () => {
      const s = store();
      const conversation = JSON.stringify([{ text: "x".repeat(300_000) }]);
      await s.put(storedResponse({ conversation }));
      expect((await s.get(storedResponse().id))?.conversation).toBe(conversation);
    });

    it("replaces a response put again under the same id", async () => {
      const s = store();
      await s.put(storedResponse());
      await s.put(storedResponse({ response: "{}", keyName: "other" }));
      expect(await s.get(storedResponse().id)).toEqual(storedResponse({ response: "{}", keyName: "other" }));
    });

    it("deletes a response once, and says whether there was one", async () => {
      const s = store();
      await s.put(storedResponse());
      await s.put(storedResponse({ id: "resp_kept" }));
      expect(await s.delete(storedResponse().id)).toBe(true);
      expect(await s.delete(storedResponse().id)).toBe(false);
      expect(await s.get(storedResponse().id)).toBeUndefined();
      expect((await s.get("resp_kept"))?.id).toBe("resp_kept");
    });

    it("treats ids as exact strings, not patterns", async () => {
      const s = store();
      await s.put(storedResponse({ id: "resp_a%" }));
      expect(await s.get("resp_a_")).toBeUndefined();
      expect(await s.delete("resp_%")).toBe(false);
      expect((await s.get("resp_a%"))?.id).toBe("resp_a%");
    });
  });
}

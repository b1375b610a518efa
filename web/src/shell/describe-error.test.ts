import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { describeError, isNetworkLoss } from "./describe-error.ts";

describe("describeError", () => {
  it("asks to sign in again for an unauthenticated call, with the gateway's own words", () => {
    const view = describeError(new ConnectError("invalid API key", Code.Unauthenticated));
    expect(view).toEqual({ kind: "sign-in", title: "Your key was not accepted", detail: "invalid API key" });
  });

  it("names admin-only refusals, and keeps connect's [code] prefix out of the text", () => {
    const view = describeError(
      new ConnectError("only admin keys may read the audit log", Code.PermissionDenied),
    );
    expect(view.kind).toBe("admin");
    expect(view.detail).toBe("only admin keys may read the audit log");
    expect(`${view.title} ${view.detail}`).not.toContain("[permission_denied]");
  });

  it("shows a lost network as reconnecting: Unavailable, or fetch's TypeError however wrapped", () => {
    expect(describeError(new ConnectError("Failed to fetch", Code.Unavailable)).kind).toBe("reconnecting");
    const failed = new TypeError("Failed to fetch");
    expect(describeError(failed).kind).toBe("reconnecting");
    expect(describeError(ConnectError.from(failed)).kind).toBe("reconnecting");
    expect(isNetworkLoss(new ConnectError("x", Code.Unknown))).toBe(false);
  });

  it("turns a plain Error or a thrown string into a readable message, not JSON", () => {
    const fromError = describeError(new Error("boom"));
    expect(fromError.kind).toBe("other");
    expect(fromError.detail).toBe("boom");
    const fromString = describeError("weird");
    expect(fromString.title).toBe("Something went wrong");
    expect(fromString.detail).not.toMatch(/[{}]/);
  });

  it("gives each common code its own title", () => {
    const titles = new Set(
      [
        Code.DeadlineExceeded,
        Code.ResourceExhausted,
        Code.InvalidArgument,
        Code.NotFound,
        Code.Unimplemented,
      ].map((code) => describeError(new ConnectError("x", code)).title),
    );
    expect(titles.size).toBe(5);
  });
});

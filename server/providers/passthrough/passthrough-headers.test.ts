import { describe, expect, it } from "vitest";
import { callerResponseHeaders, upstreamRequestHeaders } from "./passthrough-headers.ts";
import { isPrivateAddress } from "./private-address.ts";

describe("upstreamRequestHeaders", () => {
  const caller = {
    "content-type": "application/json",
    "anthropic-beta": "a,b",
    "anthropic-version": "2025-01-01",
    "x-stainless-lang": "js",
    "x-api-key": "sk-gateway-key",
    authorization: "Bearer sk-gateway-key",
    cookie: "c=1",
    connection: "keep-alive, x-secret",
    "x-secret": "1",
    "accept-encoding": "gzip",
    host: "gateway",
  };

  it("forwards the allow-list, the caller's version over the default, and the provider's key", () => {
    const out = upstreamRequestHeaders(
      caller,
      { "anthropic-version": "2023-06-01" },
      {},
      { "x-api-key": "sk-up" },
      "req-1",
    );
    expect(out).toEqual({
      "content-type": "application/json",
      "anthropic-beta": "a,b",
      "anthropic-version": "2025-01-01",
      "x-stainless-lang": "js",
      "x-api-key": "sk-up",
      "x-request-id": "req-1",
    });
  });

  it("forwards the caller's own key when the route says so", () => {
    const out = upstreamRequestHeaders(caller, {}, {}, undefined, "");
    expect(out["x-api-key"]).toBe("sk-gateway-key");
    expect(out.authorization).toBe("Bearer sk-gateway-key");
    expect(out.cookie).toBeUndefined();
  });
});

describe("callerResponseHeaders", () => {
  it("passes the allow-list, never hop-by-hop headers, and renames the upstream's request id", () => {
    expect(
      callerResponseHeaders({
        "content-type": "text/event-stream",
        "request-id": "r",
        "x-request-id": "up",
        "anthropic-ratelimit-requests-remaining": "9",
        "x-ratelimit-remaining-tokens": "5",
        "retry-after": "3",
        "transfer-encoding": "chunked",
        connection: "close",
        "set-cookie": ["a=1"],
        location: "http://elsewhere/",
        server: "nginx",
      }),
    ).toEqual({
      "content-type": "text/event-stream",
      "request-id": "r",
      "x-upstream-request-id": "up",
      "anthropic-ratelimit-requests-remaining": "9",
      "x-ratelimit-remaining-tokens": "5",
      "retry-after": "3",
    });
  });
});

describe("isPrivateAddress", () => {
  it.each([
    "127.0.0.1",
    "10.2.3.4",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "[::1]",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
  ])("%s is private", (address) => expect(isPrivateAddress(address)).toBe(true));
  it.each(["8.8.8.8", "172.32.0.1", "2606:4700::1111", "api.anthropic.com", "localhost"])(
    "%s is not (names are checked when resolved)",
    (address) => expect(isPrivateAddress(address)).toBe(false),
  );
});

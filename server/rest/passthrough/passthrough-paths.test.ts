import { describe, expect, it } from "vitest";
import { passthroughSchema } from "../../config/passthrough-schema.ts";
import { PassthroughRoutes } from "./passthrough-paths.ts";

const config = passthroughSchema.parse({
  mount: "/gw",
  routes: [{ api: "anthropic" }, { api: "anthropic", prefix: "/anthropic-eu" }, { api: "gemini" }],
});
const routes = new PassthroughRoutes(config);

function target(url: string) {
  const route = routes.match(url);
  if (route === undefined) throw new Error(`no route for ${url}`);
  return routes.target(route, config, url);
}

describe("PassthroughRoutes", () => {
  it("matches whole prefix segments under the mount, the longest first", () => {
    expect(routes.match("/gw/anthropic/v1/messages")?.prefix).toBe("/anthropic");
    expect(routes.match("/gw/anthropic-eu/v1/messages")?.prefix).toBe("/anthropic-eu");
    expect(routes.match("/gw/anthropicx/v1/messages")).toBeUndefined();
    expect(routes.match("/anthropic/v1/messages")).toBeUndefined();
    expect(routes.match("/v1/chat/completions")).toBeUndefined();
  });

  it("keeps the path and query as sent, without the caller's key", () => {
    expect(target("/gw/anthropic/v1/messages?beta=true")).toMatchObject({
      path: "/v1/messages?beta=true",
      queryKey: undefined,
    });
    expect(target("/gw/gemini/v1beta/models/g:streamGenerateContent?key=sk%2Bx&alt=sse")).toMatchObject({
      path: "/v1beta/models/g:streamGenerateContent?alt=sse",
      queryKey: "sk+x",
    });
    expect(target("/gw/gemini/v1beta/models/g:generateContent?key=abc").path).toBe(
      "/v1beta/models/g:generateContent",
    );
  });

  it.each([
    "/gw/anthropic/v1/../x",
    "/gw/anthropic/./v1",
    "/gw/anthropic/v1/%2E%2e/x",
    "/gw/anthropic/v1/%2e",
    "/gw/anthropic/v1%2Fmessages",
    "/gw/anthropic/v1%5cmessages",
    "/gw/anthropic/v1\\messages",
    "/gw/anthropic//v1",
    "/gw/anthropic/v1/",
    "/gw/anthropic/%E0%A4%A",
    "/gw/anthropic",
    "/gw/anthropic/",
    "/gw/anthropic?x=1",
  ])("refuses %s", (url) => {
    expect(() => target(url)).toThrow(expect.objectContaining({ code: "invalid_request" }));
  });
});

import type { PassthroughConfig, PassthroughRouteConfig } from "../../config/passthrough-schema.ts";
import { invalidRequest } from "../../errors/gateway-error.ts";

/** A request target that falls under a pass-through route. */
export interface PassthroughTarget {
  readonly route: PassthroughRouteConfig;
  /** The path below the route's prefix, with the query string (the caller's `key` taken out unless the route forwards it). */
  readonly path: string;
  /** The gateway key a Gemini-style caller sent as `?key=`, when the route takes it out. */
  readonly queryKey: string | undefined;
}

/** Percent-escapes that decode to a path separator: a way to smuggle `/../` past a prefix check. */
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;
/** A backslash or whitespace, which some parsers mend into a separator. */
const FORBIDDEN = /[\\\s]/;

/**
 * The pass-through routes by their full prefix (`{mount}{prefix}`), matched
 * against the raw request target, before any URL parser has resolved dot
 * segments or decoded escapes, so what is checked is what is forwarded.
 */
export class PassthroughRoutes {
  readonly #routes: ReadonlyArray<{ readonly full: string; readonly route: PassthroughRouteConfig }>;
  readonly #mount: string;

  constructor(config: PassthroughConfig) {
    this.#mount = config.mount;
    // Longest prefix first, so /anthropic-eu is not taken for /anthropic.
    this.#routes = config.routes
      .map((route) => ({ full: config.mount + route.prefix, route }))
      .sort((a, b) => b.full.length - a.full.length);
  }

  /** The route a request target is under, or undefined when it is under none. */
  match(target: string): PassthroughRouteConfig | undefined {
    // Every request asks this first; one comparison answers most of them.
    if (!target.startsWith(this.#mount)) return undefined;
    for (const { full, route } of this.#routes) {
      if (target.startsWith(full)) {
        const next = target.charCodeAt(full.length);
        // `/`, `?` or the end: the prefix is a whole segment.
        if (Number.isNaN(next) || next === 0x2f || next === 0x3f) return route;
      }
    }
    return undefined;
  }

  /**
   * The upstream path of a target under `route`, normalised; throws
   * `invalid_request` for a path that could reach anything but the route's
   * own API: a `.` or `..` segment (escaped or not), an escaped slash or
   * backslash, an empty segment, a malformed escape, or nothing at all.
   */
  target(route: PassthroughRouteConfig, config: PassthroughConfig, target: string): PassthroughTarget {
    const q = target.indexOf("?");
    const pathPart = q < 0 ? target : target.slice(0, q);
    const rest = pathPart.slice(config.mount.length + route.prefix.length);
    if (rest === "" || rest === "/")
      throw invalidRequest(`name an API path below ${config.mount}${route.prefix}/`);
    if (ENCODED_SEPARATOR.test(rest) || FORBIDDEN.test(rest) || hasControl(rest))
      throw invalidRequest("the path holds an escaped slash, a backslash or a control character");
    const segments = rest.slice(1).split("/");
    for (const segment of segments) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        throw invalidRequest("the path has a malformed percent-escape");
      }
      if (decoded === "" || decoded === "." || decoded === "..")
        throw invalidRequest("the path may not hold empty, '.' or '..' segments");
    }
    if (q < 0) return { route, path: rest, queryKey: undefined };
    const query = target.slice(q + 1);
    if (route.forward_caller_key) return { route, path: `${rest}?${query}`, queryKey: undefined };
    return withoutKey(route, rest, query);
  }
}

/** Takes the caller's `key` parameters out of the query: the gateway key must never reach the upstream. */
function withoutKey(route: PassthroughRouteConfig, path: string, query: string): PassthroughTarget {
  let queryKey: string | undefined;
  const kept: string[] = [];
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (name === "key") {
      if (queryKey === undefined) queryKey = decodeValue(eq < 0 ? "" : pair.slice(eq + 1));
    } else if (pair !== "") kept.push(pair);
  }
  return { route, path: kept.length === 0 ? path : `${path}?${kept.join("&")}`, queryKey };
}

function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    throw invalidRequest("the key query parameter has a malformed percent-escape", "key");
  }
}

/** Whether a string holds a control character (Node's parser refuses most; this is the belt). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

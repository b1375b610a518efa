/**
 * The floor: the least a Node gateway can do. A plain `node:http` server that forwards every request to one
 * upstream through an undici keep-alive `Pool` (`pool.stream`) and pipes the reply back unchanged: no
 * parsing, no auth, no logging. The benchmark compares the gateway's cost with this one's.
 *
 *   node bench/floor-proxy.ts --upstream http://127.0.0.1:PORT [--port P] [--connections N]
 *
 * Prints one JSON line with its url once it is listening; stops on SIGTERM/SIGINT.
 */

import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    port: { type: "string", default: "0" },
    connections: { type: "string", default: "128" },
  },
});
if (values.upstream === undefined) throw new Error("floor-proxy: --upstream URL is required");

const pool = new Pool(values.upstream, {
  connections: Number(values.connections),
  keepAliveTimeout: 60_000,
});

/** Hop-by-hop headers, which a proxy must not forward. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer"]);

function forwardable(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>) {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (!HOP.has(name) && name !== "host") out[name] = headers[name];
  }
  return out;
}

const server = createServer((req, res) => {
  const method = (req.method ?? "GET") as "GET";
  const hasBody = method !== "GET" && (method as string) !== "HEAD";
  pool.stream(
    {
      path: req.url ?? "/",
      method,
      headers: forwardable(req.headers) as Record<string, string>,
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, forwardable(headers));
      return res;
    },
    (error) => {
      if (error === null) return;
      if (res.headersSent) res.destroy(error);
      else {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`floor-proxy: ${error.message}`);
      }
    },
  );
});
server.keepAliveTimeout = 65_000;

server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ msg: "floor proxy listening", url: `http://127.0.0.1:${port}` })}\n`,
  );
});

function shutdown(): void {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);

/**
 * The gateway's full pipeline served through fastify instead of the one-port `node:http` server, for
 * bench/server-compare.ts (issue 14: "the design card names fastify; measure it"). Same config, same
 * services, same policy chain; what differs is the HTTP layer in front of them:
 *
 * - fastify 5 owns the listener, the routing and the request/reply objects;
 * - `@fastify/helmet` sets the security headers (the gateway's own are turned off in this mode, so no
 *   answer pays for both), with the API's CSP;
 * - `@connectrpc/connect-fastify` serves the Connect services (gRPC-Web, Connect; gRPC needs HTTP/2,
 *   which this HTTP/1.1 server does not speak), with the gateway's RPC gate (auth before the body);
 * - every other path goes to the gateway's REST surface: the route hijacks the reply and hands the raw
 *   request and response to the same handler the one-port server calls, since the pipeline reads and
 *   parses the body itself (after auth). fastify's own body parsers are replaced by one that reads
 *   nothing, so the body is parsed once, as on the default server.
 *
 *   node bench/fastify-server.ts --config FILE
 *
 * Not a product server: HTTP/1.1 only, no TLS, no body deadline, no connection limit.
 */

import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import helmet from "@fastify/helmet";
import Fastify from "fastify";
import { type PortServer, type RequestHandler, startGateway } from "../server/app.ts";
import { loadConfigFile } from "../server/config/load-config.ts";
import type { Config } from "../server/config/schema.ts";
import type { GatewayServices } from "../server/core/services.ts";
import { rpcGate } from "../server/rpc/rpc-call.ts";
import { rpcRoutes } from "../server/rpc/rpc-routes.ts";
import { createLogger } from "../server/telemetry/logger.ts";

const { values } = parseArgs({ options: { config: { type: "string" } } });
if (values.config === undefined) throw new Error("fastify-server: --config FILE is required");

/** A PortServer (server/app.ts) on fastify. */
function fastifyServer(handler: RequestHandler, services: GatewayServices, config: Config): PortServer {
  const bodyLimit = config.server.body_limit_bytes;
  // The one-port server's timeouts, so that neither side closes keep-alive connections sooner.
  const app = Fastify({
    logger: false,
    bodyLimit,
    requestTimeout: 0,
    keepAliveTimeout: config.server.keep_alive_timeout_ms,
    connectionTimeout: 0,
    // Closing ends keep-alive connections too, as the one-port server's drain does.
    forceCloseConnections: true,
  });
  void app.register(helmet, {
    // The API's CSP, as the gateway sends it (server/config/security-headers-schema.ts).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // Plain HTTP here, as the gateway sends HSTS only under TLS.
    strictTransportSecurity: false,
  });
  void app.register(fastifyConnectPlugin, {
    routes: rpcRoutes(services),
    readMaxBytes: bodyLimit,
    requireConnectProtocolHeader: false,
    requestGate: rpcGate(services),
  } as Parameters<typeof fastifyConnectPlugin>[1]);
  void app.register(async (rest) => {
    rest.removeAllContentTypeParsers();
    // The pipeline reads the body itself: leave the stream unread.
    rest.addContentTypeParser("*", (_request, _payload, done) => done(null));
    rest.all("/*", (request, reply) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    });
  });
  return {
    async listen(port, host) {
      await app.listen({ port, host });
      return app.server.address() as AddressInfo;
    },
    async close() {
      await app.close();
    },
  };
}

const config = loadConfigFile(values.config);
// @fastify/helmet sets the headers in this mode.
config.security_headers.enabled = false;
const log = createLogger(config.log.level, config.log.pretty);
const running = await startGateway(config, log, {
  server: (handler, services) => fastifyServer(handler, services, config),
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
const stop = () => void running.close(1_000).then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

/**
 * A `PortServer` (server/app.ts) on fastify, for bench/fastify-server.ts and its test: the gateway's
 * services and policy chain behind fastify 5, `@fastify/helmet` (the API's CSP) and
 * `@connectrpc/connect-fastify` (the Connect routes, with the gateway's RPC gate). REST routes hijack
 * the reply and hand the raw request to the gateway's handler, since the pipeline reads and parses the
 * body itself, after auth; fastify's body parsers are replaced by one that reads nothing. HTTP/1.1
 * only, no TLS, no body deadline, no connection limit: a measurement, not a product server.
 */

import type { AddressInfo } from "node:net";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import helmet from "@fastify/helmet";
import Fastify from "fastify";
import type { PortServer, RequestHandler } from "../server/app.ts";
import type { Config } from "../server/config/schema.ts";
import type { GatewayServices } from "../server/core/services.ts";
import { rpcGate } from "../server/rpc/rpc-call.ts";
import { rpcRoutes } from "../server/rpc/rpc-routes.ts";

export function fastifyPortServer(
  handler: RequestHandler,
  services: GatewayServices,
  config: Pick<Config, "server">,
): PortServer {
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

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
 * Not a product server: HTTP/1.1 only, no TLS, no body deadline, no connection limit
 * (bench/fastify-port-server.ts).
 */

import { parseArgs } from "node:util";
import { startGateway } from "../server/app.ts";
import { loadConfigFile } from "../server/config/load-config.ts";
import { createLogger } from "../server/telemetry/logger.ts";
import { fastifyPortServer } from "./fastify-port-server.ts";

const { values } = parseArgs({ options: { config: { type: "string" } } });
if (values.config === undefined) throw new Error("fastify-server: --config FILE is required");

const config = loadConfigFile(values.config);
// @fastify/helmet sets the headers in this mode.
config.security_headers.enabled = false;
const log = createLogger(config.log.level, config.log.pretty);
const running = await startGateway(config, log, {
  server: (handler, services) => fastifyPortServer(handler, services, config),
});
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
const stop = () => void running.close(1_000).then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);

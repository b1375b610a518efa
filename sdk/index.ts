/**
 * The LLMGW TypeScript SDK: typed clients for the gateway's Connect services
 * (generated from `proto/llmgw/v1`), transports for Node (connect-node) and
 * for fetch (connect-web), and helpers for messages, streams that cancel
 * when the reader stops, and every control service. Browsers get
 * `browser.ts`, the same without the Node transport.
 */

export * from "./browser.ts";
export { createNodeTransport, type NodeTransportOptions } from "./node-transport.ts";

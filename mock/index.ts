/**
 * The mock upstream's public API, for tests and `llmgw serve`'s demo mode. The mock is
 * not part of the gateway: nothing here imports `server/`.
 */

export { type MockCliArgs, runMockCli } from "./main.ts";
export type { RecordedRequest } from "./mock-recorder.ts";
export {
  type MockBehaviour,
  type MockOptions,
  type MockUpstream,
  startMockUpstream,
} from "./mock-server.ts";

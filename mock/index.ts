/**
 * The mock upstream's public API, for tests, the benchmark and `llmgw serve`'s demo mode. The mock is
 * not part of the gateway: nothing here imports `server/`.
 */

export { MOCK_USAGE, type MockCliArgs, mockMain, parseMockArgs, runMockCli } from "./main.ts";
export type { RecordedRequest } from "./mock-recorder.ts";
export { type MockOptions, type MockUpstream, startMockUpstream } from "./mock-server.ts";

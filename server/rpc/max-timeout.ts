/**
 * The longest deadline a caller may ask for: Node's timers hold at most
 * 2^31 - 1 ms (about 24.8 days) and fire at once for anything longer, so a
 * caller asking for 30 days would see DEADLINE_EXCEEDED the moment its call
 * arrived. Connect's router and the direct gRPC path refuse a longer timeout
 * with InvalidArgument instead, before the call starts.
 */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

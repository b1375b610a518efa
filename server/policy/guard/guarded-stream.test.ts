import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type StreamResponse, StreamResponseSchema } from "../../../gen/llmgw/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.ts";
import { deltaEvent } from "../../providers/delta-event.ts";
import type { EventSink, EventStream } from "../../providers/event-stream.ts";
import { GuardedStream, HOLD_BACK } from "./guarded-stream.ts";

/** A stream that pushes the given events when started. */
function source(events: StreamResponse[]): EventStream & { cancelled: Error | undefined } {
  return {
    cancelled: undefined,
    start(sink: EventSink) {
      for (const e of events) sink.event(e);
      sink.end();
    },
    pause() {},
    resume() {},
    cancel(reason: Error) {
      this.cancelled = reason;
    },
  };
}

const finish = create(StreamResponseSchema, { id: "r", event: { case: "finish", value: { reason: 1 } } });
const usage = create(StreamResponseSchema, { id: "r", event: { case: "usage", value: {} } });

function run(events: StreamResponse[], scan: (text: string) => string) {
  const inner = source(events);
  const out: string[] = [];
  let failed: GatewayError | undefined;
  new GuardedStream(inner, scan).start({
    event: (e) => {
      if (e.event.case === "delta") out.push(e.event.value.text);
      else out.push(`<${e.event.case}>`);
    },
    flush() {},
    end: () => out.push("<end>"),
    fail: (error) => {
      failed = error;
    },
  });
  return { out, failed, inner };
}

const mask = (text: string) => text.replaceAll("SECRET-123", "[REDACTED:SECRET_1]");

describe("GuardedStream", () => {
  it("masks a match split across three chunks before any of it leaves", () => {
    const { out } = run(
      [
        deltaEvent("r", 0, "the key is SEC", "", ""),
        deltaEvent("r", 0, "RET-", "", ""),
        deltaEvent("r", 0, "123 ok", "", ""),
        finish,
        usage,
      ],
      mask,
    );
    expect(out.join("")).toBe("the key is [REDACTED:SECRET_1] ok<finish><usage><end>");
    // No chunk carries any of the secret: only the placeholder.
    expect(out.filter((c) => /SEC|RET-|123/.test(c.replace("[REDACTED:SECRET_1]", "")))).toEqual([]);
  });

  it("never cuts a placeholder in two, so the release can restore it whole", () => {
    const placeholder = "[REDACTED:EMAIL_1]";
    // The window's edge falls inside the placeholder.
    const text = `${"a".repeat(20)}${placeholder}${"b".repeat(HOLD_BACK - 5)}`;
    const released: string[] = [];
    const inner = source([deltaEvent("r", 0, text, "", ""), finish, usage]);
    new GuardedStream(
      inner,
      (t) => t,
      (t) => {
        released.push(t);
        return t.replace(placeholder, "jane@example.com");
      },
    ).start({ event() {}, flush() {}, end() {}, fail() {} });
    expect(released[0]).toBe("a".repeat(20));
    expect(released.join("")).toBe(text);
    expect(released.some((r) => r.includes("[REDACTED:") && !r.includes(placeholder))).toBe(false);
  });

  it("lets text out once more than the window has arrived, holding back the last window", () => {
    const long = "a".repeat(HOLD_BACK + 10);
    const { out } = run([deltaEvent("r", 0, long, "", ""), finish, usage], (t) => t);
    expect(out[0]).toBe("a".repeat(10));
    expect(out[1]).toBe("a".repeat(HOLD_BACK));
    expect(out.slice(2)).toEqual(["<finish>", "<usage>", "<end>"]);
  });

  it("ends the stream with the scan's error on a block, cancels the upstream, and lets nothing of the match out", () => {
    const { out, failed, inner } = run(
      [deltaEvent("r", 0, "hello SECRET", "", ""), deltaEvent("r", 0, "-123", "", ""), finish, usage],
      (text) => {
        if (text.includes("SECRET-123")) throw new GatewayError("guardrail_blocked", "stopped");
        return text;
      },
    );
    expect(failed?.code).toBe("guardrail_blocked");
    expect(inner.cancelled).toBeDefined();
    expect(out.join("")).not.toContain("SECRET");
  });
});

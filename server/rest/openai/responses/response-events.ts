import type { JsonObject } from "@bufbuild/protobuf";
import type { StreamResponse } from "../../../../gen/llmgw/v1/chat_pb.js";
import { errorWire } from "../../../errors/error-codes.ts";
import type { GatewayError } from "../../../errors/gateway-error.ts";
import {
  functionCallItem,
  type ItemStatus,
  messageItem,
  reasoningItem,
  refusalPart,
  summaryPart,
  textPart,
} from "./output-items.ts";
import { type ItemKind, itemId } from "./response-ids.ts";
import { type ResponseState, type ResponseStatus, responseObject, statusOf } from "./response-object.ts";

/** Where named SSE events go (the SseWriter; a list in tests). */
export interface NamedEventQueue {
  queueEvent(name: string, payload: string): void;
}

/**
 * The item being streamed (one shape for every kind, so the hot path stays
 * monomorphic): new content of another kind closes it and opens the next.
 * `text` is the reasoning, the current part's text or refusal, or the
 * call's arguments so far.
 */
interface OpenItem {
  kind: "reasoning" | "text" | "refusal" | "call";
  index: number;
  id: string;
  text: string;
  /** A message's finished parts. */
  parts: JsonObject[];
  callId: string;
  name: string;
  /** The canonical tool call index. */
  call: number;
}

/**
 * Turns canonical stream events into the Responses API's SSE events, each
 * with its `event:` name and a `sequence_number`: `response.created` and
 * `in_progress`; per output item `output_item.added`, its parts and deltas,
 * `output_item.done`; and, once `finish` has closed the last item,
 * `response.completed` (or `incomplete`) from `complete()`. Text deltas, the
 * bulk of a stream, are built as strings, not object graphs.
 */
export class ResponseEvents {
  readonly #out: NamedEventQueue;
  readonly #echo: JsonObject;
  readonly #id: string;
  readonly #createdAt: number;
  readonly #model: string;
  readonly #output: JsonObject[] = [];
  #seq = 0;
  #open: OpenItem | undefined;
  #status: ResponseStatus = "completed";
  #incompleteReason: string | undefined;
  /** The JSON of a text delta up to its delta, made once per message item. */
  #textPrefix = "";

  constructor(out: NamedEventQueue, echo: JsonObject, id: string, model: string, createdAt: number) {
    this.#out = out;
    this.#echo = echo;
    this.#id = id;
    this.#model = model;
    this.#createdAt = createdAt;
  }

  /** The output items so far (all of them once the stream has finished). */
  get output(): readonly JsonObject[] {
    return this.#output;
  }

  /** `response.created` and `response.in_progress`. */
  start(): void {
    const response = this.#response({ status: "in_progress" });
    this.#emit("response.created", { response });
    this.#emit("response.in_progress", { response });
  }

  /** Renders one canonical event; the usage report is left to `complete`. */
  event(event: StreamResponse): void {
    if (event.choiceIndex !== 0) return;
    switch (event.event.case) {
      case "delta": {
        const { text, reasoning, refusal } = event.event.value;
        if (reasoning) this.#reasoning(reasoning);
        if (text) this.#text(text);
        if (refusal) this.#refusal(refusal);
        return;
      }
      case "toolCall": {
        const { index, id, name, arguments: args } = event.event.value;
        this.#toolCall(index, id, name, args);
        return;
      }
      case "finish": {
        const { status, incompleteReason } = statusOf(event.event.value.reason);
        this.#status = status;
        this.#incompleteReason = incompleteReason;
        this.#close();
        return;
      }
      default:
        return;
    }
  }

  /** The finished response, for `complete` and the store. */
  finished(usage: StreamResponse): JsonObject {
    this.#close();
    const report = usage.event.case === "usage" ? usage.event.value : undefined;
    return this.#response({
      status: this.#status,
      incompleteReason: this.#incompleteReason,
      usage: report?.usage,
      gateway: report?.gateway,
    });
  }

  /** `response.completed`, or `response.incomplete` when the output was cut short. */
  complete(response: JsonObject): void {
    this.#emit(response.status === "incomplete" ? "response.incomplete" : "response.completed", { response });
  }

  /** A failure after the stream began: an `error` event, then `response.failed` with what was output so far. */
  fail(error: GatewayError): void {
    this.#emit("error", {
      code: error.code,
      message: error.message,
      param: error.param ?? null,
      error: {
        type: errorWire(error.code).openaiType,
        code: error.code,
        message: error.message,
        param: error.param ?? null,
      },
    });
    const response = this.#response({
      status: "failed",
      error: { code: error.code, message: error.message },
    });
    this.#emit("response.failed", { response });
  }

  #reasoning(delta: string): void {
    let open = this.#open;
    if (open?.kind !== "reasoning") {
      open = this.#begin("reasoning", "rs", (id) => reasoningItem(id, ""));
      this.#emit("response.reasoning_summary_part.added", {
        ...this.#at(open),
        summary_index: 0,
        part: summaryPart(""),
      });
    }
    open.text += delta;
    this.#emit("response.reasoning_summary_text.delta", { ...this.#at(open), summary_index: 0, delta });
  }

  #text(delta: string): void {
    let open = this.#open;
    if (open?.kind !== "text") {
      open = this.#part("text");
      this.#textPrefix = `{"type":"response.output_text.delta","item_id":${JSON.stringify(open.id)},"output_index":${open.index},"content_index":${open.parts.length},"delta":`;
    }
    open.text += delta;
    this.#out.queueEvent(
      "response.output_text.delta",
      `${this.#textPrefix}${JSON.stringify(delta)},"logprobs":[],"sequence_number":${this.#seq++}}`,
    );
  }

  #refusal(delta: string): void {
    let open = this.#open;
    if (open?.kind !== "refusal") open = this.#part("refusal");
    open.text += delta;
    this.#emit("response.refusal.delta", { ...this.#at(open), content_index: open.parts.length, delta });
  }

  /** Opens a text or refusal part, in the message being streamed or in a new one. */
  #part(kind: "text" | "refusal"): OpenItem {
    let open = this.#open;
    if (open?.kind === "text" || open?.kind === "refusal") {
      this.#closePart(open);
      open.kind = kind;
      open.text = "";
    } else {
      open = this.#begin(kind, "msg", (id) => messageItem(id, [], "in_progress"));
    }
    const part = kind === "text" ? textPart("") : refusalPart("");
    this.#emit("response.content_part.added", { ...this.#at(open), content_index: open.parts.length, part });
    return open;
  }

  #toolCall(call: number, callId: string, name: string, args: string): void {
    let open = this.#open;
    if (open?.kind !== "call" || open.call !== call) {
      // An upstream that gives no call id still needs one the caller can answer with.
      const fallback = (id: string) => callId || `call_${id.slice(3)}`;
      open = this.#begin("call", "fc", (id) => functionCallItem(id, fallback(id), name, "", "in_progress"));
      open.callId = fallback(open.id);
      open.name = name;
      open.call = call;
    }
    if (!args) return;
    open.text += args;
    this.#emit("response.function_call_arguments.delta", { ...this.#at(open), delta: args });
  }

  /** Closes the item being streamed, then opens a new one at the end of the output. */
  #begin(kind: OpenItem["kind"], prefix: ItemKind, added: (id: string) => JsonObject): OpenItem {
    this.#close();
    const index = this.#output.length;
    const id = itemId(prefix, this.#id, index);
    const open: OpenItem = { kind, index, id, text: "", parts: [], callId: "", name: "", call: 0 };
    const item = added(id);
    this.#output.push(item);
    this.#open = open;
    this.#emit("response.output_item.added", { output_index: index, item });
    return open;
  }

  #closePart(open: OpenItem): void {
    const at = { ...this.#at(open), content_index: open.parts.length };
    if (open.kind === "text") {
      const part = textPart(open.text);
      this.#emit("response.output_text.done", { ...at, text: open.text, logprobs: [] });
      this.#emit("response.content_part.done", { ...at, part });
      open.parts.push(part);
    } else {
      const part = refusalPart(open.text);
      this.#emit("response.refusal.done", { ...at, refusal: open.text });
      this.#emit("response.content_part.done", { ...at, part });
      open.parts.push(part);
    }
  }

  /** Ends the item being streamed with its `.done` events; the output keeps the finished item. */
  #close(): void {
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    const status: ItemStatus = this.#status === "incomplete" ? "incomplete" : "completed";
    let item: JsonObject;
    switch (open.kind) {
      case "reasoning":
        this.#emit("response.reasoning_summary_text.done", {
          ...this.#at(open),
          summary_index: 0,
          text: open.text,
        });
        this.#emit("response.reasoning_summary_part.done", {
          ...this.#at(open),
          summary_index: 0,
          part: summaryPart(open.text),
        });
        item = reasoningItem(open.id, open.text);
        break;
      case "call":
        this.#emit("response.function_call_arguments.done", {
          ...this.#at(open),
          name: open.name,
          arguments: open.text,
        });
        item = functionCallItem(open.id, open.callId, open.name, open.text, "completed");
        break;
      default:
        this.#closePart(open);
        item = messageItem(open.id, open.parts, status);
    }
    this.#output[open.index] = item;
    this.#emit("response.output_item.done", { output_index: open.index, item });
  }

  #at(open: OpenItem): { item_id: string; output_index: number } {
    return { item_id: open.id, output_index: open.index };
  }

  #response(state: Omit<ResponseState, "id" | "createdAt" | "model" | "output">): JsonObject {
    return responseObject(this.#echo, {
      id: this.#id,
      createdAt: this.#createdAt,
      model: this.#model,
      output: [...this.#output],
      ...state,
    });
  }

  #emit(type: string, fields: JsonObject): void {
    this.#out.queueEvent(type, JSON.stringify({ type, ...fields, sequence_number: this.#seq++ }));
  }
}

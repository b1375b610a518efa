import { create, type JsonObject } from "@bufbuild/protobuf";
import { type EmbedRequest, EmbedRequestSchema } from "../../../gen/llmgw/v1/embeddings_pb.js";
import { invalidRequest } from "../../errors/gateway-error.ts";
import { expectObject, optArray, optString, optUint32 } from "../openai/json-fields.ts";
import { parseModelResource } from "./gemini-path.ts";

/*
 * Follows the Gemini API reference (ai.google.dev/api/embeddings): an
 * EmbedContentRequest is `{model, content: {parts: [{text}]}, taskType?,
 * title?, outputDimensionality?}`; batchEmbedContents takes `{requests:
 * [EmbedContentRequest]}`, each naming the model of the URL.
 */

const FIELDS = new Set(["model", "content", "taskType", "title", "outputDimensionality"]);

/** The fields every request of a batch must agree on. */
interface Shared {
  taskType: string | undefined;
  title: string | undefined;
  dimensions: number | undefined;
}

/**
 * One EmbedContentRequest (`embedContent`) or a batch of them
 * (`batchEmbedContents`) to the canonical request for `model`. A content's
 * text parts are joined with newlines into one input. `taskType` and
 * `title` ride in `extra` (the Gemini adapter sends them with every input);
 * the canonical request has one value of each for the whole batch, so a
 * batch that mixes them is refused, as is a request naming another model.
 */
export function parseEmbedRequest(body: unknown, model: string, batch: boolean): EmbedRequest {
  const json = expectObject(body, "body");
  let requests: JsonObject[];
  if (batch) {
    for (const key in json) {
      if (key !== "requests" && json[key] != null)
        throw invalidRequest(`Invalid JSON payload received. Unknown name "${key}"`);
    }
    const list = optArray(json.requests, "requests");
    if (list === undefined || list.length === 0) throw invalidRequest("requests is not specified");
    requests = list.map((item, i) => expectObject(item, `requests[${i}]`));
  } else requests = [json];
  let shared: Shared | undefined;
  const inputs = requests.map((request, i) => {
    const param = batch ? `requests[${i}]` : "body";
    for (const key in request) {
      if (!FIELDS.has(key) && request[key] != null) throw invalidRequest(`${param}: unknown field "${key}"`);
    }
    const named = optString(request.model, `${param}.model`);
    if (named && parseModelResource(named).model !== model) {
      throw invalidRequest(`${param}.model "${named}" must be the model of the URL, models/${model}`);
    }
    const own: Shared = {
      taskType: optString(request.taskType, `${param}.taskType`),
      title: optString(request.title, `${param}.title`),
      dimensions: optUint32(request.outputDimensionality, `${param}.outputDimensionality`, 1),
    };
    shared ??= own;
    for (const key of ["taskType", "title", "dimensions"] as const) {
      if (own[key] !== shared[key])
        throw invalidRequest(`${param}: every request of a batch must set the same ${key}`);
    }
    return contentText(request.content, `${param}.content`);
  });
  if (shared === undefined) throw invalidRequest("requests is not specified");
  const extra: JsonObject = {};
  if (shared.taskType !== undefined) extra.taskType = shared.taskType;
  if (shared.title !== undefined) extra.title = shared.title;
  return create(EmbedRequestSchema, {
    model,
    inputs,
    ...(shared.dimensions === undefined ? {} : { dimensions: shared.dimensions }),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  });
}

function contentText(value: unknown, param: string): string {
  const content = expectObject(value, param);
  const parts = optArray(content.parts, `${param}.parts`) ?? [];
  const texts = parts.map((part, j) => {
    const text = optString(expectObject(part, `${param}.parts[${j}]`).text, `${param}.parts[${j}].text`);
    if (text === undefined) throw invalidRequest(`${param}.parts[${j}]: only text can be embedded`);
    return text;
  });
  if (texts.length === 0) throw invalidRequest(`${param}.parts is not specified`);
  return texts.join("\n");
}

/**
 * The shapes of Gemini API answers the adapter reads, as documented for
 * `models.generateContent` / `models.streamGenerateContent` (a
 * `GenerateContentResponse`: `candidates`, `promptFeedback`, `usageMetadata`,
 * `modelVersion`, `responseId`) and for `models.list`. Every field is optional:
 * the parsers check what they use, so a drifting upstream fails clearly.
 */

/** One part of a candidate's content. */
export interface GeminiPart {
  text?: string;
  /** True on parts that carry the model's thinking rather than its answer. */
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { id?: string; name?: string; args?: unknown };
}

/** One generated answer. */
export interface GeminiCandidate {
  content?: { role?: string; parts?: GeminiPart[] };
  finishReason?: string;
  index?: number;
}

/** `usageMetadata`: `promptTokenCount` already includes `cachedContentTokenCount`. */
export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

/** A whole answer, or (streamed) one partial answer per SSE event. */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: GeminiUsage;
  modelVersion?: string;
  responseId?: string;
  /** Present instead of the rest when the upstream fails inside a 200 stream. */
  error?: { code?: number; message?: string; status?: string };
}

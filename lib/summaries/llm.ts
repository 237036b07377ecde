// I/O: one chat completion from any OpenAI-compatible API, one HTTP request each. The only importer of
// `openai`. Retries are the caller's (lib/summaries/service.ts), so that every request is counted.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { z } from "zod";
import { stripInvalidXmlChars } from "../text";
import type { ChatMessage } from "./prompt";

export interface ChatModelOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** One HTTP request's timeout. */
  timeoutMs: number;
  /**
   * The SDK's own retries, always off: they are HTTP calls no daily cap sees (issue 9: 9 calls for a cap
   * of 3). Only 0 is accepted; the caller retries `retryable` failures itself, counting each attempt.
   */
  maxRetries?: 0;
  maxOutputTokens: number;
}

export type CompletionFailure = {
  ok: false;
  reason: "timeout" | "rate-limited" | "http-error" | "network" | "invalid-response" | "empty";
  message: string;
  /** Worth another attempt soon: 408, 429, 5xx, a timeout, a connection error (or the server says so). Absent: no. */
  retryable?: boolean;
  /** How long the server asked us to wait first (`retry-after-ms` or `Retry-After`), when it did. */
  retryAfterMs?: number;
};

export type CompletionResult =
  | { ok: true; text: string; truncated: boolean; usage?: { promptTokens?: number; completionTokens?: number } }
  | CompletionFailure;

export interface ChatModel {
  readonly name: string;
  /** One completion in exactly one HTTP request, never retried here; `timeLeftMs` cuts it short. */
  complete(messages: ChatMessage[], options?: { timeLeftMs?: number }): Promise<CompletionResult>;
}

// What we need from an answer; anything else in it is ignored, anything missing is a bad answer.
const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).nullish(),
});

const MIN_SUMMARY_CHARS = 20;

export function createChatModel(options: ChatModelOptions): ChatModel {
  const client = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey,
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  // A generous character cap on top of the token cap: a summary never grows a feed without bound.
  const maxChars = options.maxOutputTokens * 8;
  return {
    name: options.model,
    async complete(messages, { timeLeftMs } = {}) {
      let raw: unknown;
      const remaining = timeLeftMs ?? Infinity;
      try {
        raw = await client.chat.completions.create(
          { model: options.model, messages, max_tokens: options.maxOutputTokens, temperature: 0.3 },
          remaining === Infinity
            ? {}
            : { signal: AbortSignal.timeout(Math.max(1, remaining)), timeout: Math.max(1, Math.min(options.timeoutMs, remaining)) },
        );
      } catch (err) {
        // The caller's own time is up: another attempt could not finish either.
        if (err instanceof APIUserAbortError) {
          return { ok: false, reason: "timeout", message: "stopped before the function's time ran out", retryable: false };
        }
        return classify(err, options.timeoutMs);
      }
      const parsed = completionSchema.safeParse(raw);
      // A malformed or empty answer would most likely come again: not retried now (the paper's backoff is).
      if (!parsed.success) return { ok: false, reason: "invalid-response", message: "the answer is not a chat completion", retryable: false };
      const choice = parsed.data.choices[0]!;
      const text = stripInvalidXmlChars(choice.message.content ?? "").trim();
      if (text.replace(/\s/g, "").length < MIN_SUMMARY_CHARS) {
        return { ok: false, reason: "empty", message: `the answer is empty or too short (${text.length} characters)`, retryable: false };
      }
      const usage = parsed.data.usage;
      return {
        ok: true,
        text: text.length > maxChars ? `${text.slice(0, maxChars)}…` : text,
        truncated: choice.finish_reason === "length" || text.length > maxChars,
        ...(usage ? { usage: { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens } } : {}),
      };
    },
  };
}

function classify(err: unknown, timeoutMs: number): CompletionFailure {
  if (err instanceof APIConnectionTimeoutError) {
    return { ok: false, reason: "timeout", message: `no answer within ${timeoutMs} ms`, retryable: true };
  }
  if (err instanceof APIError && err.status !== undefined) {
    const retryAfterMs = retryAfterOf(err.headers, Date.now());
    return {
      ok: false,
      reason: err.status === 429 ? "rate-limited" : "http-error",
      message: `the model API answered HTTP ${err.status}`,
      retryable: isRetryable(err.status, err.headers),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  if (err instanceof APIError) {
    return { ok: false, reason: "network", message: `the model API could not be reached (${err.message})`, retryable: true };
  }
  // The SDK throws plain errors for bodies that are not JSON.
  return { ok: false, reason: "invalid-response", message: `unreadable answer (${(err as Error)?.message ?? String(err)})`, retryable: false };
}

/** As the SDK decided before we turned its retries off: the server's `x-should-retry` first, then the status. */
function isRetryable(status: number, headers: Headers | undefined): boolean {
  const told = headers?.get("x-should-retry");
  if (told === "true") return true;
  if (told === "false") return false;
  return status === 408 || status === 429 || status >= 500;
}

const nonNegativeNumberSchema = z.coerce.number().nonnegative();

/**
 * The wait a server asks for: `retry-after-ms` (OpenAI's, in ms), else `Retry-After` in seconds or as an
 * HTTP date. Undefined when absent or unreadable; never negative.
 */
export function retryAfterOf(headers: Headers | undefined, now: number): number | undefined {
  const ms = headers?.get("retry-after-ms")?.trim();
  if (ms) {
    const parsed = nonNegativeNumberSchema.safeParse(ms);
    if (parsed.success) return parsed.data;
  }
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  const seconds = nonNegativeNumberSchema.safeParse(value);
  if (seconds.success) return seconds.data * 1000;
  // An HTTP date starts with the day's name; Date.parse would also take "-1" for a year.
  const at = /^[a-z]/i.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

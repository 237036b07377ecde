// I/O: one chat completion from any OpenAI-compatible API. The only importer of `openai`.
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { z } from "zod";
import { stripInvalidXmlChars } from "../text";
import type { ChatMessage } from "./prompt";

export interface ChatModelOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
  /** The SDK's own retries of 429, 5xx and timeouts, with backoff (it honours Retry-After). */
  maxRetries: number;
  maxOutputTokens: number;
}

export type CompletionResult =
  | { ok: true; text: string; truncated: boolean; usage?: { promptTokens?: number; completionTokens?: number } }
  | { ok: false; reason: "timeout" | "rate-limited" | "http-error" | "network" | "invalid-response" | "empty"; message: string };

export interface ChatModel {
  readonly name: string;
  /** One completion; `timeLeftMs` cuts it short, retries included. */
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
    maxRetries: options.maxRetries,
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
        if (err instanceof APIUserAbortError) {
          return { ok: false, reason: "timeout", message: "stopped before the function's time ran out" };
        }
        return classify(err, options.timeoutMs);
      }
      const parsed = completionSchema.safeParse(raw);
      if (!parsed.success) return { ok: false, reason: "invalid-response", message: "the answer is not a chat completion" };
      const choice = parsed.data.choices[0]!;
      const text = stripInvalidXmlChars(choice.message.content ?? "").trim();
      if (text.replace(/\s/g, "").length < MIN_SUMMARY_CHARS) {
        return { ok: false, reason: "empty", message: `the answer is empty or too short (${text.length} characters)` };
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

function classify(err: unknown, timeoutMs: number): CompletionResult {
  if (err instanceof APIConnectionTimeoutError) {
    return { ok: false, reason: "timeout", message: `no answer within ${timeoutMs} ms` };
  }
  if (err instanceof APIError && err.status !== undefined) {
    return {
      ok: false,
      reason: err.status === 429 ? "rate-limited" : "http-error",
      message: `the model API answered HTTP ${err.status}`,
    };
  }
  if (err instanceof APIError) {
    return { ok: false, reason: "network", message: `the model API could not be reached (${err.message})` };
  }
  // The SDK throws plain errors for bodies that are not JSON.
  return { ok: false, reason: "invalid-response", message: `unreadable answer (${(err as Error)?.message ?? String(err)})` };
}

// One chat completion through the openai SDK against a real HTTP server on 127.0.0.1 (the fake OpenAI
// server, or a stub for answers it does not give): what comes back, what is sent, how failures read.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createChatModel, retryAfterOf, type CompletionResult } from "../../lib/summaries/llm";
import { buildMessages, CUT_MARKER, type ChatMessage } from "../../lib/summaries/prompt";
import { startFakeOpenAi, summaryFor, type LlmBehaviour } from "../servers/fake-openai-server";
import { startStubServer, serverForTests } from "../helpers/io";
import { API_KEY, PROMPT, chatModel, papers } from "../helpers/summaries";

const llm = serverForTests(startFakeOpenAi);
const stub = serverForTests(startStubServer);

const paper = papers(1)[0]!;
const messages = (): ChatMessage[] => buildMessages(PROMPT, undefined, { paper }, "b0undary");

function failure(result: CompletionResult): Extract<CompletionResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ok: ${result.text.slice(0, 80)}`);
  return result;
}

/** A stub answer: HTTP 200 with this completion body. */
function completion(content: unknown, finishReason = "stop") {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }],
  };
}

function serveJson(body: unknown): void {
  stub.handle((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body)));
  });
}

describe("what is sent is capped", () => {
  it("a 1 MB abstract reaches the server cut to about 2,000 tokens, the instructions whole", async () => {
    const huge = { ...paper, abstract: "word ".repeat(200_000) };
    const sent = buildMessages(PROMPT, undefined, { paper: huge }, "b0undary");
    const plain = buildMessages(PROMPT, undefined, { paper }, "b0undary");
    expect((await chatModel(llm).complete(sent)).ok).toBe(true);
    const call = llm.calls[0]!;
    const systemBytes = Buffer.byteLength(JSON.stringify(plain[0]!.content));
    // The paper's part of the body: at most 2,000 tokens of ASCII (8,000 bytes), plus JSON's framing.
    expect(call.bytes - systemBytes).toBeLessThan(8_000 + 1_000);
    expect(call.bytes).toBeLessThan(1_000_000 / 50);
    expect(call.messages[0]!.content).toBe(plain[0]!.content);
    expect(call.messages[1]!.content).toContain(`${CUT_MARKER}\n<<<END PAPER b0undary>>>`);
    expect(call.paper).toBe(`${paper.id}v${paper.version}`);
  });
});

describe("a good answer", () => {
  it("returns the model's text, sends the key, the model name, max_tokens and the messages", async () => {
    const model = chatModel(llm, { maxOutputTokens: 700, model: "my-model" });
    expect(model.name).toBe("my-model");
    const sent = messages();
    const result = await model.complete(sent);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.text).toBe(summaryFor(paper.title, `${paper.id}v${paper.version}`));
    expect(result.truncated).toBe(false);
    expect(result.usage).toEqual({ promptTokens: 100, completionTokens: 200 });

    expect(llm.calls).toHaveLength(1);
    const call = llm.calls[0]!;
    expect(call.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call.model).toBe("my-model");
    expect(call.maxTokens).toBe(700);
    expect(call.messages).toEqual(sent);
    expect(call.paper).toBe(`${paper.id}v${paper.version}`);
  });

  it("a long answer is capped at 8 characters per output token and marked truncated", async () => {
    // The fake server echoes the title into its answer: a 5000-character title makes a long answer.
    const long = { ...paper, title: "Long ".repeat(1000).trim() };
    const model = chatModel(llm, { maxOutputTokens: 64 });
    const result = await model.complete(buildMessages(PROMPT, undefined, { paper: long }, "b"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.text.length).toBeLessThanOrEqual(64 * 8 + 1);
    expect(result.text.endsWith("…")).toBe(true);
    expect(result.text.startsWith("# 论文总结：Long Long")).toBe(true);
    expect(result.truncated).toBe(true);
  });

  it("finish_reason \"length\" marks the answer truncated", async () => {
    serveJson(completion("A summary that the model had to stop early because of max_tokens.", "length"));
    const result = await createChatModel({ baseUrl: stub.url, apiKey: "k", model: "m", timeoutMs: 1000, maxRetries: 0, maxOutputTokens: 100 }).complete(messages());
    expect(result).toMatchObject({ ok: true, truncated: true });
  });

  it("characters XML cannot carry are removed from the answer", async () => {
    serveJson(completion("A fine summary\u0000 of the paper\u0008 with enough text.\uFFFF"));
    const result = await createChatModel({ baseUrl: stub.url, apiKey: "k", model: "m", timeoutMs: 1000, maxRetries: 0, maxOutputTokens: 100 }).complete(messages());
    expect(result.ok && result.text).toBe("A fine summary of the paper with enough text.");
  });
});

describe("failures are results, never exceptions", () => {
  it.each([
    ["empty", "empty", false],
    ["garbage", "invalid-response", false],
    ["not-a-completion", "invalid-response", false],
    ["http-500", "http-error", true],
    ["http-429", "rate-limited", true],
  ] as const)("%s → ok:false, reason %s, retryable %s; exactly one HTTP request (the SDK never retries)", async (behaviour: LlmBehaviour, reason, retryable) => {
    llm.setBehaviour("*", behaviour);
    const result = failure(await chatModel(llm).complete(messages()));
    expect(result.reason).toBe(reason);
    expect(result.retryable ?? false).toBe(retryable);
    // The fake server asks for 10 ms with its 500 and 429 answers.
    expect(result.retryAfterMs).toBe(retryable ? 10 : undefined);
    expect(result.message.length).toBeGreaterThan(0);
    expect(result.message).not.toContain(API_KEY);
    expect(llm.calls).toHaveLength(1);
  });

  it("hang → ok:false timeout, retryable, within about the timeout, one request", async () => {
    llm.setBehaviour("*", "hang");
    const started = Date.now();
    const result = failure(await chatModel(llm, { timeoutMs: 300 }).complete(messages()));
    const took = Date.now() - started;
    expect(result.reason).toBe("timeout");
    expect(result.retryable).toBe(true);
    expect(result.message).toContain("300");
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2000);
    expect(llm.calls).toHaveLength(1);
  });

  it("timeLeftMs running out is a timeout not worth retrying (the caller's time is up)", async () => {
    llm.setBehaviour("*", "hang");
    const result = failure(await chatModel(llm, { timeoutMs: 5000 }).complete(messages(), { timeLeftMs: 200 }));
    expect(result).toMatchObject({ reason: "timeout", retryable: false });
    expect(llm.calls).toHaveLength(1);
  });

  it.each([
    [500, { "retry-after": "3" }, true, 3000],
    [503, { "retry-after-ms": "250", "retry-after": "9" }, true, 250],
    [429, { "retry-after": "soon" }, true, undefined],
    [502, {}, true, undefined],
    [408, {}, true, undefined],
    [500, { "x-should-retry": "false" }, false, undefined],
    [400, {}, false, undefined],
    [401, {}, false, undefined],
    [404, { "x-should-retry": "true" }, true, undefined],
  ] as const)("HTTP %s with %j → retryable %s, retryAfterMs %s", async (status, headers, retryable, retryAfterMs) => {
    stub.handle((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(status, { "Content-Type": "application/json", ...headers }).end('{"error":{"message":"no"}}'));
    });
    const result = failure(await createChatModel({ baseUrl: stub.url, apiKey: "k", model: "m", timeoutMs: 1000, maxOutputTokens: 100 }).complete(messages()));
    expect(result.reason).toBe(status === 429 ? "rate-limited" : "http-error");
    expect(result.retryable).toBe(retryable);
    expect(result.retryAfterMs).toBe(retryAfterMs);
  });

  it("retryAfterOf reads retry-after-ms, Retry-After in seconds or as an HTTP date, and nothing else", () => {
    const now = Date.parse("2026-06-30T14:00:00Z");
    const of = (h: Record<string, string>) => retryAfterOf(new Headers(h), now);
    expect(of({ "retry-after-ms": "1500" })).toBe(1500);
    expect(of({ "retry-after": "2" })).toBe(2000);
    expect(of({ "retry-after": "0.5" })).toBe(500);
    expect(of({ "retry-after": "Tue, 30 Jun 2026 14:00:07 GMT" })).toBe(7000);
    expect(of({ "retry-after": "Tue, 30 Jun 2026 13:00:00 GMT" })).toBe(0); // already past: no wait
    expect(of({ "retry-after-ms": "-5", "retry-after": "1" })).toBe(1000);
    for (const bad of ["", "-1", "later", "Infinity", "1e400"]) expect(of({ "retry-after": bad }), bad).toBeUndefined();
    expect(of({})).toBeUndefined();
    expect(retryAfterOf(undefined, now)).toBeUndefined();
  });

  it("the behaviour is per paper: one paper failing does not affect another", async () => {
    const [a, b] = papers(2);
    llm.setBehaviour(a!.id, "http-500");
    const model = chatModel(llm);
    expect(failure(await model.complete(buildMessages(PROMPT, undefined, { paper: a! }, "x"))).reason).toBe("http-error");
    expect((await model.complete(buildMessages(PROMPT, undefined, { paper: b! }, "x"))).ok).toBe(true);
  });

  it("nothing listening → ok:false network", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const model = createChatModel({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: "k", model: "m", timeoutMs: 500, maxRetries: 0, maxOutputTokens: 100 });
    expect(failure(await model.complete(messages())).reason).toBe("network");
  });

  it.each([
    ["whitespace only", completion("   \n\t  ")],
    ["too short to be a summary", completion("OK, done.")],
    ["null content", completion(null)],
    ["no choices", { ...completion("x"), choices: [] }],
    ["content not a string", completion({ text: "A long enough summary of the whole paper." })],
  ])("an answer with %s → ok:false", async (name, body) => {
    serveJson(body);
    const model = createChatModel({ baseUrl: stub.url, apiKey: "k", model: "m", timeoutMs: 1000, maxRetries: 0, maxOutputTokens: 100 });
    const result = failure(await model.complete(messages()));
    expect(result.reason).toBe(name.includes("choices") || name.includes("not a string") ? "invalid-response" : "empty");
  });
});

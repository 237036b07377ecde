// A stand-in for any OpenAI-compatible chat API on 127.0.0.1: answers /v1/chat/completions, can fail on
// demand (per paper or for all, always or for the next few calls: errors, rate limits, hangs, endless bodies, a
// closed port), and records every call it gets (model, messages, which paper, how many bytes).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type LlmBehaviour =
  | "ok" // a Markdown summary with headings and a GFM table
  | "http-500"
  | "http-429"
  | "empty" // a completion whose content is ""
  | "garbage" // HTTP 200, Content-Type JSON, a body that is not JSON
  | "not-a-completion" // valid JSON without choices
  | "hang" // never answers
  | "malicious" // Markdown carrying <script>, <img onerror> and javascript: links
  | "http-429-retry-after" // HTTP 429 with Retry-After: 1 (seconds) and no retry-after-ms
  | "endless" // HTTP 200 and a JSON body that never ends (1 KB every 50 ms)
  | "wrong-shape"; // HTTP 200, JSON shaped almost like a completion: content is an object, not text

export interface LlmCall {
  model: string;
  messages: { role: string; content: string }[];
  authorization: string;
  /** The arXiv id (with version) named in the user message, if any. */
  paper?: string;
  maxTokens?: number;
  /** The request body's size in bytes, as it came over the wire. */
  bytes: number;
  at: number;
  behaviour: LlmBehaviour;
}

export interface FakeOpenAi {
  /** The base URL, as AI_SUMMARY_BASE_URL takes it (…/v1). */
  baseUrl: string;
  calls: LlmCall[];
  /** Behaviour for one paper (`2606.30639`), or for all ("*"). */
  setBehaviour(paper: string | "*", behaviour: LlmBehaviour): void;
  /** Behaviours for the next calls about one paper (or any), one each, before the set behaviour applies again. */
  queueBehaviours(paper: string | "*", behaviours: LlmBehaviour[]): void;
  /** Headers of the 500 and 429 answers; `{ "retry-after-ms": "10" }` until set. */
  setFailureHeaders(headers: Record<string, string>): void;
  setDelay(ms: number): void;
  /** Calls being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Body bytes sent by "endless" answers so far. */
  readonly endlessBytes: number;
  /** Cuts every answer still open (hanging or endless), as when the fault ends with the connection. */
  endOpenAnswers(): void;
  /** Down, the port is closed (ECONNREFUSED); back up, it listens on the same port again. */
  setDown(down: boolean): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

/** Text that only a "wrong-shape" answer carries: it must never reach a feed. */
export const WRONG_SHAPE_MARKER = "wrong-shape-answer-from-the-fake-model";

/** An answer in the old bot's four-section layout, with a GFM table, naming the paper it is about. */
export function summaryFor(title: string, paper: string): string {
  return [
    `# 论文总结：${title}`,
    "",
    "## 1. 论文的主要贡献和创新点",
    `本文（arXiv:${paper}）提出了一种新方法，解决了现有方法的效率问题。`,
    "",
    "## 2. 核心实验方法和设置",
    "| 数据集 | 指标 | 基线 |",
    "|--------|------|------|",
    "| Benchmark-A | Accuracy | Baseline-1 |",
    "",
    "## 3. 主要实验结果和性能指标",
    "- 相比基线提升 **3.5×** 吞吐量",
    "",
    "## 4. 关键结论和发现",
    "- 方法有效；局限性：论文未提及",
  ].join("\n");
}

export const MALICIOUS_SUMMARY = [
  "# Summary <script>alert('xss')</script>",
  "",
  '<img src="x" onerror="alert(1)">',
  "",
  "[click me](javascript:alert(document.cookie)) and <a href=\"javascript:alert(2)\">this</a>",
  "",
  '<iframe src="https://evil.example"></iframe><div onmouseover="alert(3)">hover</div>',
  "",
  "| col | <b onclick=alert(4)>x</b> |",
  "|-----|-----|",
  "| 1 | [x](JaVaScRiPt:alert(5)) |",
].join("\n");

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const calls: LlmCall[] = [];
  const behaviours = new Map<string, LlmBehaviour>();
  const queued = new Map<string, LlmBehaviour[]>();
  const hanging = new Set<ServerResponse>();
  const DEFAULT_FAILURE_HEADERS = { "retry-after-ms": "10" };
  let failureHeaders: Record<string, string> = DEFAULT_FAILURE_HEADERS;
  let delayMs = 0;
  const stats = { inFlight: 0, maxInFlight: 0, endlessBytes: 0 };
  const sockets = new Set<Socket>();

  function behaviourFor(id: string | undefined): LlmBehaviour {
    for (const key of [id, "*"]) {
      const next = key === undefined ? undefined : queued.get(key)?.shift();
      if (next) return next;
    }
    return (id && behaviours.get(id)) || behaviours.get("*") || "ok";
  }

  function answer(res: ServerResponse, call: LlmCall): void {
    const completion = (content: string) => ({
      id: `chatcmpl-${calls.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: call.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: 100, completion_tokens: 200, total_tokens: 300 },
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void =>
      void res.writeHead(status, { "Content-Type": "application/json", ...headers }).end(JSON.stringify(body));
    switch (call.behaviour) {
      case "ok": {
        const title = /^Title: (.*)$/m.exec(call.messages.at(-1)?.content ?? "")?.[1] ?? "Untitled";
        return json(200, completion(summaryFor(title, call.paper ?? "unknown")));
      }
      case "malicious":
        return json(200, completion(MALICIOUS_SUMMARY));
      case "empty":
        return json(200, completion(""));
      case "not-a-completion":
        return json(200, { hello: "world" });
      case "garbage":
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"choices": [ {"message": ');
        return;
      case "http-500":
        return json(500, { error: { message: "internal error", type: "server_error" } }, failureHeaders);
      case "http-429":
        return json(429, { error: { message: "rate limited", type: "rate_limit" } }, failureHeaders);
      case "hang":
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "http-429-retry-after":
        return json(429, { error: { message: "rate limited", type: "rate_limit" } }, { "retry-after": "1" });
      case "wrong-shape":
        return json(200, {
          id: `chatcmpl-${calls.length}`,
          object: "chat.completion",
          model: call.model,
          choices: [{ index: 0, message: { role: "assistant", content: { summary: WRONG_SHAPE_MARKER, sections: [1, 2, 3, 4] } } }],
        });
      case "endless": {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.write(`{"id":"chatcmpl-endless","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`);
        hanging.add(res);
        const chunk = "a".repeat(1024);
        const timer = setInterval(() => {
          res.write(chunk);
          stats.endlessBytes += chunk.length;
        }, 50);
        res.on("close", () => {
          clearInterval(timer);
          hanging.delete(res);
        });
        return;
      }
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // A client that gives up while its request is read: nothing to answer.
    handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST" || !/\/chat\/completions$/.test(req.url ?? "")) {
      res.writeHead(404, { "Content-Type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString("utf8");
    const body = JSON.parse(raw) as { model: string; messages: LlmCall["messages"]; max_tokens?: number };
    const paper = /^arXiv: (\S+)$/m.exec(body.messages.at(-1)?.content ?? "")?.[1];
    const id = paper?.replace(/v\d+$/, "");
    const call: LlmCall = {
      model: body.model,
      messages: body.messages,
      authorization: req.headers.authorization ?? "",
      paper,
      maxTokens: body.max_tokens,
      bytes: bytes.length,
      at: Date.now(),
      behaviour: behaviourFor(id),
    };
    calls.push(call);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on("close", () => stats.inFlight--);
    if (delayMs) setTimeout(() => !res.destroyed && answer(res, call), delayMs);
    else answer(res, call);
  }
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    setBehaviour(paper, behaviour) {
      behaviours.set(paper, behaviour);
    },
    queueBehaviours(paper, next) {
      queued.set(paper, [...(queued.get(paper) ?? []), ...next]);
    },
    setFailureHeaders(headers) {
      failureHeaders = headers;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    get inFlight() {
      return stats.inFlight;
    },
    get maxInFlight() {
      return stats.maxInFlight;
    },
    get endlessBytes() {
      return stats.endlessBytes;
    },
    endOpenAnswers() {
      for (const res of hanging) res.destroy();
    },
    async setDown(down) {
      if (down && listening) {
        listening = false;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const res of hanging) res.destroy();
        for (const socket of sockets) socket.destroy();
        await closed;
      } else if (!down && !listening) {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
          });
        });
        listening = true;
      }
    },
    reset() {
      behaviours.clear();
      queued.clear();
      failureHeaders = DEFAULT_FAILURE_HEADERS;
      calls.length = 0;
      delayMs = 0;
      stats.maxInFlight = stats.inFlight;
      stats.endlessBytes = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

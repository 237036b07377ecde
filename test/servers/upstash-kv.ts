// Vercel KV for tests: a real redis-server (Debian's) behind a small HTTP shim that speaks Upstash's REST
// protocol (POST / with a command, /pipeline, /multi-exec, Bearer token, base64 response encoding) and
// enforces its request-size limit. It can fail on demand: cut connections, a closed port, HTTP 503, a
// delay per round trip, and corrupted values read back for chosen keys.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createClient } from "redis";

export interface RedisServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    const probe = createClient({ url, socket: { reconnectStrategy: false } });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      await probe.quit();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    },
  };
}

export interface UpstashShim {
  /** KV_REST_API_URL */
  url: string;
  /** KV_REST_API_TOKEN */
  token: string;
  /** Commands received, in order (the command name and key). */
  commands: string[][];
  /** HTTP requests received (a pipeline of several commands is one). */
  readonly requests: number;
  /** The most bytes one request's body, or its answer, may have; more is refused as Upstash refuses it. */
  readonly maxRequestBytes: number;
  /** Requests refused (not run) because their body was over `maxRequestBytes`. */
  readonly refusedTooLarge: number;
  /** Answers replaced by the error because they were over `maxRequestBytes` (the command did run). */
  readonly answersTooLarge: number;
  /** While down, every connection is cut at once, as when KV is unreachable. */
  setDown(down: boolean): void;
  /**
   * "reset": every connection is cut (as setDown); "refuse": the port is closed (ECONNREFUSED), and
   * listens again on the same port when the fault is lifted; "503": every request answers HTTP 503;
   * "none": healthy.
   */
  setFault(fault: KvFault): Promise<void>;
  /** Holds every HTTP request (a round trip, however many commands it carries) this long before answering. */
  setDelay(ms: number): void;
  /**
   * GET and MGET answers for keys that match return this instead of the stored value (only where a value
   * is stored): "wrong-shape" is valid JSON of no shape the app writes, "garbage" is not JSON at all,
   * "bad-gzip" carries the app's gzip prefix in front of something that is not gzip.
   */
  corrupt(match: RegExp, kind: KvCorruption): void;
  clearCorruption(): void;
  /** Values replaced by corrupt() so far, by key. */
  readonly corruptedReads: string[];
  close(): Promise<void>;
}

export type KvFault = "none" | "reset" | "refuse" | "503";
export type KvCorruption = "wrong-shape" | "garbage" | "bad-gzip";

/** What corrupt() answers: the wrong-shape value carries this marker, so a test can look for it in a body. */
export const CORRUPT_MARKER = "corrupt-value-from-the-kv-shim";
const CORRUPT_VALUES: Record<KvCorruption, string> = {
  "wrong-shape": JSON.stringify({ marker: CORRUPT_MARKER, category: 42, days: "not a list", nextCheckAt: "soon", papers: [{ id: 1 }] }),
  garbage: `\u0000\u00ff{{{ ${CORRUPT_MARKER} not json`,
  // The app's own prefix for gzipped values, in front of something that is not gzip.
  "bad-gzip": `gz1:H4sIAAAAAAAAA${Buffer.from(CORRUPT_MARKER).toString("base64")}`,
};

type Reply = string | number | null | Reply[];

function encode(value: unknown, base64: boolean): Reply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
  return base64 ? Buffer.from(text, "utf8").toString("base64") : text;
}

/**
 * Vercel KV's documented max request size (1 MB on Hobby, vercel.com/docs/storage/vercel-kv/limits), read
 * as a MiB like Upstash's own "Limit: 10485760 bytes" for its 10 MB. Upstash counts what a request reads
 * as well as what it sends (upstash.com/docs/redis/troubleshooting/max_request_size_exceeded), and so
 * does the shim: body in, body out.
 */
export const VERCEL_KV_MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Upstash's answer to a request over the limit: its error text (with the sizes, as seen in production
 * logs), under 400, the status its REST API gives a command that failed.
 */
const tooLarge = (limit: number, actual: number) => ({ error: `ERR max request size exceeded. Limit: ${limit} bytes, Actual: ${actual} bytes` });

export async function startUpstashShim(
  redisUrl: string,
  token = "test-kv-token",
  maxRequestBytes = VERCEL_KV_MAX_REQUEST_BYTES,
): Promise<UpstashShim> {
  const redis = createClient({ url: redisUrl });
  redis.on("error", () => undefined);
  await redis.connect();
  const commands: string[][] = [];
  let requests = 0;
  let refusedTooLarge = 0;
  let answersTooLarge = 0;
  let down = false;
  let fault: KvFault = "none";
  let delayMs = 0;
  const corruptions: { match: RegExp; kind: KvCorruption }[] = [];
  const corruptedReads: string[] = [];
  const sockets = new Set<Socket>();

  function corrupted(key: string, value: Reply): Reply {
    if (value === null || typeof key !== "string") return value;
    const rule = corruptions.find((c) => c.match.test(key));
    if (!rule) return value;
    corruptedReads.push(key);
    return CORRUPT_VALUES[rule.kind];
  }

  async function run(command: unknown): Promise<{ result?: Reply; error?: string }> {
    if (!Array.isArray(command) || command.length === 0) return { error: "ERR invalid command" };
    const args = command.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
    commands.push(args.slice(0, 2));
    try {
      let result = (await redis.sendCommand(args)) as Reply;
      const name = args[0]!.toLowerCase();
      if (corruptions.length && name === "get") result = corrupted(args[1]!, result);
      if (corruptions.length && name === "mget" && Array.isArray(result)) {
        result = result.map((value, i) => corrupted(args[i + 1]!, value));
      }
      return { result };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // A client that gives up (its timeout) while its request is held or read: nothing to answer.
    handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (down) {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      const bytes = Buffer.byteLength(text);
      if (status === 200 && bytes > maxRequestBytes) {
        answersTooLarge++;
        res.writeHead(400, { "Content-Type": "application/json" }).end(JSON.stringify(tooLarge(maxRequestBytes, bytes)));
        return;
      }
      if (!res.destroyed) res.writeHead(status, { "Content-Type": "application/json" }).end(text);
    };
    requests++;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (res.destroyed) return;
    if (fault === "503") return send(503, { error: "Service Unavailable" });
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
    if (req.method !== "POST") return send(405, { error: "ERR only POST" });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received = Buffer.concat(chunks);
    if (received.length > maxRequestBytes) {
      refusedTooLarge++;
      return send(400, tooLarge(maxRequestBytes, received.length));
    }
    const raw = received.toString("utf8");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(400, { error: "ERR failed to parse command" });
    }
    const base64 = req.headers["upstash-encoding"] === "base64";
    const path = (req.url ?? "/").split("?")[0];
    const reply = ({ result, error }: { result?: Reply; error?: string }) =>
      error !== undefined ? { error } : { result: encode(result, base64) };
    if (path === "/" || path === "") {
      const out = await run(body);
      return send(out.error ? 400 : 200, reply(out));
    }
    if ((path === "/pipeline" || path === "/multi-exec") && Array.isArray(body)) {
      const results = [];
      for (const command of body) results.push(reply(await run(command)));
      return send(200, results);
    }
    return send(404, { error: `ERR unknown path ${path}` });
  }
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;

  async function setFault(next: KvFault): Promise<void> {
    fault = next;
    down = next === "reset";
    if (down || next === "refuse") for (const s of sockets) s.destroy();
    if (next === "refuse" && listening) {
      listening = false;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    } else if (next !== "refuse" && !listening) {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      listening = true;
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    commands,
    get requests() {
      return requests;
    },
    maxRequestBytes,
    get refusedTooLarge() {
      return refusedTooLarge;
    },
    get answersTooLarge() {
      return answersTooLarge;
    },
    setDown(value) {
      down = value;
      if (value) fault = "reset";
      else if (fault === "reset") fault = "none";
      if (down) for (const s of sockets) s.destroy();
    },
    setFault,
    setDelay(ms) {
      delayMs = ms;
    },
    corrupt(match, kind) {
      corruptions.push({ match, kind });
    },
    clearCorruption() {
      corruptions.length = 0;
    },
    corruptedReads,
    async close() {
      for (const s of sockets) s.destroy();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit().catch(() => undefined);
    },
  };
}

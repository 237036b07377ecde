// Helpers of the fault tests (test/integration/faults-*.test.ts): `next start` without a first request
// that would reach arXiv, responses checked for what no answer may ever be (a 500, a stack trace), the
// arXiv stand-in's request log checked for politeness, and polling with a deadline instead of sleeps.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";
import { freePort, ROOT, type AppProcess } from "../integration/app-process";
import type { RecordedRequest } from "../servers/arxiv-fixture-server";

const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");

/**
 * Everything that would change the app's behaviour from the test runner's own environment, unset (an empty
 * value is "unset" for lib/config.ts): no KV, no model key, no site URL unless a test gives them.
 */
export const CLEAN_ENV: Record<string, string> = {
  KV_REST_API_URL: "",
  KV_REST_API_TOKEN: "",
  UPSTASH_REDIS_REST_URL: "",
  UPSTASH_REDIS_REST_TOKEN: "",
  DASHSCOPE_API_KEY: "",
  OPENAI_API_KEY: "",
  AI_SUMMARY_BASE_URL: "",
  AI_SUMMARY_MODEL: "",
  SITE_URL: "",
  CRON_SECRET: "",
  VERCEL: "",
};

/**
 * `next start` on a free port, ready once `readyPath` answers (any status below 500, or the health
 * report's 503). Unlike startApp() (which waits for `/`, a page that loads the configured feed), the
 * default here, /api/health, reads only the store: the app has asked arXiv nothing when this returns.
 */
export async function startQuietApp(
  env: Record<string, string>,
  options: { port?: number; readyPath?: string } = {},
): Promise<AppProcess> {
  const port = options.port ?? (await freePort());
  const readyPath = options.readyPath ?? "/api/health";
  const child: ChildProcess = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...CLEAN_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status < 500 || (readyPath === "/api/health" && res.status === 503)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not answer ${readyPath} within 60 s:\n${output}`);
    }
    await sleep(150);
  }

  return {
    url,
    output: () => output,
    logs: () =>
      output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l)];
          } catch {
            return [];
          }
        }),
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false, or fails with `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, everyMs = 100 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await sleep(everyMs);
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Time to the whole body, in ms. */
  ms: number;
  url: string;
}

/** What no answer may ever carry: a JavaScript stack frame, or a path into the build or node_modules. */
const STACK = /\n\s*at [^\n]*:\d+:\d+|\bat (?:async )?[\w.<>]+ \((?:file:|node:|\/)[^)]*\)|node_modules\/|\.next\/server/;

/** Fetches and checks the invariants every answer keeps: never a 500 (nor any 5xx but 503), no stack trace. */
export async function request(base: string, pathAndQuery: string, init?: RequestInit & { timeoutMs?: number }): Promise<Answer> {
  const url = `${base}${pathAndQuery}`;
  const started = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init?.timeoutMs ?? 60_000) });
  const text = await res.text();
  const ms = performance.now() - started;
  expect(res.status, `${pathAndQuery} answered ${res.status}: ${text.slice(0, 300)}`).not.toBe(500);
  if (res.status >= 500) expect(res.status, `${pathAndQuery}: ${text.slice(0, 300)}`).toBe(503);
  expect(STACK.test(text), `${pathAndQuery} carries a stack trace: ${text.slice(0, 500)}`).toBe(false);
  if (res.status === 503 && !pathAndQuery.startsWith("/api/health")) {
    expect(Number(res.headers.get("retry-after")), `${pathAndQuery}: 503 without Retry-After`).toBeGreaterThanOrEqual(1);
  }
  return { status: res.status, headers: res.headers, text, ms, url };
}

export interface JsonFeedItem {
  id: string;
  content_html: string;
  _arxiv: { announced: string; primary_category: string; ai_summary?: { model: string; markdown: string } };
}

export function jsonItems(answer: Answer): JsonFeedItem[] {
  return (JSON.parse(answer.text) as { items: JsonFeedItem[] }).items;
}

export const ids = (answer: Answer) => jsonItems(answer).map((i) => i.id);

/** The arXiv stand-in's RSS requests (not the full-text ones), in the order they started. */
export function rssRequests(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((r) => r.path.startsWith("/rss/")).sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * arXiv was never asked sooner than `intervalMs` after the previous request ended, within `toleranceMs`:
 * the stand-in runs in the test's own process, whose event loop can stall (GC, the test's own work) and
 * stamp an end late. A missing gate shows gaps of a few ms, a gate counted from a request's start instead
 * of its end negative ones for the slow requests: both far below any tolerance.
 */
export function expectPolite(requests: readonly RecordedRequest[], intervalMs: number, toleranceMs = 50): void {
  const rss = rssRequests(requests);
  for (let i = 1; i < rss.length; i++) {
    const previous = rss[i - 1]!;
    const gap = rss[i]!.startedAt - (previous.endedAt ?? Infinity);
    expect(
      gap,
      `request ${i} (${rss[i]!.category}) began ${gap} ms after request ${i - 1} (${previous.category}, ` +
        `${(previous.endedAt ?? NaN) - previous.startedAt} ms long) ended; ARXIV_MIN_INTERVAL_MS is ${intervalMs}`,
    ).toBeGreaterThanOrEqual(intervalMs - toleranceMs);
  }
}

/**
 * What the app printed about answers it turned into a 500 (lib/http.ts logs each as "request failed"),
 * and Node's or Next's own reports of errors nobody caught.
 */
export function internalErrors(app: AppProcess): string[] {
  const logged = app
    .logs()
    .filter((l) => l.msg === "request failed" || (l.level === "error" && /unhandled|uncaught/i.test(l.msg)))
    .map((l) => JSON.stringify(l));
  const printed = app
    .output()
    .split("\n")
    .filter((l) => !l.startsWith("{") && /Unhandled|uncaughtException|⨯/.test(l));
  return [...logged, ...printed];
}

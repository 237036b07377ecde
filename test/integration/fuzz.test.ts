// Whatever a stranger sends, every route answers with a clear status and a short plain message: fast-check
// over paths (broken escapes, odd segments, absurd lengths), methods, Host headers and query strings,
// sent as raw HTTP to `next start`. Never a 500, never a stack trace, in the answer or in the log.
import { connect } from "node:net";
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startApp, type AppProcess } from "./app-process";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
// 308: Next normalizes a path (a trailing slash, a dot segment) with a permanent redirect.
const ALLOWED = new Set([200, 304, 308, 400, 404, 405, 503]);
const STACK = /\n\s+at .+[:(]\d+:\d+|at async |node:internal|\.js:\d+:\d+/;

let arxiv: ArxivFixtureServer;
let app: AppProcess;
let port: number;

beforeAll(async () => {
  arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
  app = await startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0", CRON_SECRET: "fuzz-secret" });
  port = Number(new URL(app.url).port);
  // Warm the configured categories, so the fuzz measures answers, not arXiv fetches.
  await fetch(`${app.url}/rss`);
});

afterAll(async () => {
  await app?.stop();
  await arxiv?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request exactly as given: the path is not normalized or re-encoded. */
function send(method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, setHost: !("Host" in headers) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** A raw request line, for what no HTTP client will send (a request target of `*`). */
function sendRaw(line: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.on("data", (c) => (data += c));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}

const piece = fc.oneof(
  fc.constantFrom("%", "%f", "%ff", "%zz", "%2F", "%2e%2e", "%00", "%C0%AF", "%E2%80%AE", "..", ".", "", "+", "++", ",", "%20", "~", "@", ";", "'", '"', "<x>"),
  fc.constantFrom("cs.AI", "cs.LG", "cs.CL", "cs.DC", "math.CO", "hep-th", "cs", "cs.NOPE", "CON", "json", "rss", "api"),
  fc.stringMatching(/^[A-Za-z0-9._~+-]{0,12}$/),
  fc.integer({ min: 1, max: 3000 }).map((n) => "a".repeat(n)),
);
const segment = fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join(""));
const route = fc.constantFrom("", "/", "/c", "/rss", "/atom", "/json", "/md", "/opml", "/health", "/api/health", "/api/cron/refresh", "/api", "/favicon.svg", "/fonts", "/_next", "/nope");
const path = fc.tuple(route, fc.array(segment, { maxLength: 3 })).map(([r, segs]) => `${r}${segs.map((s) => `/${s}`).join("")}` || "/");
const queryKey = fc.oneof(fc.constantFrom("keywords", "exclude", "min_score", "limit", "types", "match", "day", "keyword", "utm_source", ""), fc.stringMatching(/^[a-z_%]{1,8}$/));
const queryValue = fc.oneof(piece, fc.constantFrom("LLM,agent^2", "0", "-1", "1e9", "all", "word", "2026-06-30", "2026-02-30", "NaN", "^", "a^b"));
const query = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));
const method = fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "FOO");
const host = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("localhost", "evil.example", "ok.example:99999", "ok.example:0", "a b", "[::1]:3000", "x".repeat(300), 'e"><script>'),
);

describe("fuzzing every route with strangers' requests", () => {
  it(`${RUNS} requests: only 200, 304, 400, 404, 405 or 503; short plain errors; nothing echoed at length; no stack`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, path, query, host, async (m, p, q, h) => {
        const target = `${p}${q}`;
        const res = await send(m, target, h === undefined ? {} : { Host: h });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // The cron endpoint refuses callers without its secret: 401 (wrong or no token).
        const allowed = ALLOWED.has(res.status) || (p.startsWith("/api/cron/refresh") && res.status === 401);
        expect(allowed, `${m} ${target.slice(0, 200)} (Host ${h}) → ${res.status}: ${res.body.slice(0, 300)}`).toBe(true);
        expect(res.body, `${m} ${target.slice(0, 200)}`).not.toMatch(STACK);
        // Plain-text errors are short and quote at most a bounded slice of the request. (Next's pages carry
        // their own URL in their payload; the proxy bounds its length.)
        if (res.status >= 400 && !String(res.headers["content-type"]).startsWith("text/html")) {
          expect(res.body.length, `${m} ${target.slice(0, 200)} → ${res.body.slice(0, 200)}`).toBeLessThanOrEqual(1024);
          const longest = target.split(/[/?&=]/).reduce((a, b) => (b.length > a.length ? b : a), "");
          if (longest.length > 100) expect(res.body.includes(longest.slice(0, 100)), "echoes a long part of the request").toBe(false);
        }
        if (res.status === 405) expect(res.headers.allow).toBeDefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    console.log(`fuzzed ${RUNS} requests: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(app.output()).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  }, 600_000);

  it.each([
    ["GET", "/rss/%ff"],
    ["GET", "/rss/%"],
    ["GET", "/atom/%/CON"],
    ["GET", "/json/json/%/%255c?types="],
    ["GET", "/c/%"],
    ["GET", "/c/cs.AI%2"],
    ["TRACE", "/json/cs++cs++cs.CV"],
    ["PUT", "/json/cs.AI%"],
    ["POST", "/rss"],
    ["DELETE", "/opml"],
    ["GET", `/rss/${"x".repeat(5000)}`],
    ["GET", `/rss?${"k".repeat(5000)}=1`],
  ])("%s %s gets a clear 4xx", async (m, p) => {
    const res = await send(m, p, {});
    expect(res.status, res.body.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toMatch(STACK);
    if (res.status === 405) expect(res.headers.allow).toBe("GET, HEAD");
  });

  it("a request target of * gets a clear answer, not a 500", async () => {
    const status = await sendRaw("OPTIONS * HTTP/1.1");
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
  });
});

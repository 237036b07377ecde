// A stand-in for rss.arxiv.org on 127.0.0.1: serves the real fixtures by category, can misbehave on
// demand (HTTP errors, rate limits, timeouts, broken XML), and records every request it gets.
import { readFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/arxiv");

export type Scenario =
  | "ok" // the category's day fixture (or an empty feed when there is none)
  | "empty" // a weekend: a channel without items
  | "unknown" // HTTP 400 "Feed error for query", as arXiv answers an unknown category
  | "http-503"
  | "http-429"
  | "http-500"
  | "rate-exceeded" // Fastly's plain-text "Rate exceeded." with HTTP 200
  | "hang" // never answers (the client must time out)
  | "truncated" // the fixture cut in half
  | "malformed" // not XML at all (an HTML error page with HTTP 200)
  | "no-items-readable"; // a channel whose items are all garbage

export interface RecordedRequest {
  path: string;
  category: string;
  userAgent: string;
  startedAt: number;
  endedAt?: number;
}

export interface FixtureServerOptions {
  /** Rewrite the fixtures' announcement day (Tue, 30 Jun 2026) to this `YYYY-MM-DD`. */
  announceDate?: string;
  /** Serve this file (relative to the fixtures folder) for every category instead of its day fixture. */
  fileForAll?: string;
  /** Delay before each answer, to make overlapping requests visible. */
  delayMs?: number;
}

export interface ArxivFixtureServer {
  url: string;
  /** The base URL the app takes as ARXIV_RSS_URL. */
  rssUrl: string;
  /** The base URL the app takes as ARXIV_HTML_URL (full texts: test/fixtures/arxiv/html). */
  htmlUrl: string;
  requests: RecordedRequest[];
  /** Most requests that were in flight at once. */
  maxConcurrent: number;
  setScenario(category: string | "*", scenario: Scenario): void;
  setAnnounceDate(date: string | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function rfc822Day(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return `${WEEKDAYS[weekday]}, ${String(d).padStart(2, "0")} ${MONTHS[m - 1]} ${y}`;
}

const fileCache = new Map<string, string>();
function readFixture(relative: string): string {
  let text = fileCache.get(relative);
  if (text === undefined) {
    text = readFileSync(path.join(FIXTURES_DIR, relative), "utf8");
    fileCache.set(relative, text);
  }
  return text;
}

function emptyFeed(category: string, date: string): string {
  return readFixture("rss-empty-weekend-cs.CL.xml")
    .replaceAll("cs.CL", category)
    .replace(/Sat, 27 Jun 2026/g, rfc822Day(date));
}

export async function startArxivFixtureServer(options: FixtureServerOptions = {}): Promise<ArxivFixtureServer> {
  const scenarios = new Map<string, Scenario>();
  let announceDate = options.announceDate;
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const state = { maxConcurrent: 0 };
  const hanging = new Set<ServerResponse>();

  function dayFixture(category: string): string | undefined {
    const relative = options.fileForAll ?? `day/rss-${category}.xml`;
    if (!existsSync(path.join(FIXTURES_DIR, relative))) return undefined;
    const text = readFixture(relative);
    return announceDate ? text.replaceAll("Tue, 30 Jun 2026", rfc822Day(announceDate)) : text;
  }

  function respond(res: ServerResponse, category: string, scenario: Scenario): void {
    const rss = { "Content-Type": "application/rss+xml; charset=utf-8" };
    switch (scenario) {
      case "ok": {
        const body = dayFixture(category) ?? emptyFeed(category, announceDate ?? "2026-06-30");
        res.writeHead(200, rss).end(body);
        return;
      }
      case "empty":
        res.writeHead(200, rss).end(emptyFeed(category, announceDate ?? "2026-06-27"));
        return;
      case "unknown":
        res.writeHead(400, rss).end(readFixture("rss-feed-error-400-cs.FOO.xml").replaceAll("cs.FOO", category));
        return;
      case "http-503":
        res.writeHead(503, { "Content-Type": "text/html", "Retry-After": "2" }).end("<html><body>Service Unavailable</body></html>");
        return;
      case "http-429":
        res.writeHead(429, { "Content-Type": "text/plain", "Retry-After": "3" }).end("Too Many Requests");
        return;
      case "http-500":
        res.writeHead(500, { "Content-Type": "text/plain" }).end("Internal Server Error");
        return;
      case "rate-exceeded":
        res.writeHead(200, { "Content-Type": "text/plain" }).end("Rate exceeded.");
        return;
      case "hang":
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      case "truncated": {
        const body = dayFixture(category) ?? emptyFeed(category, "2026-06-30");
        res.writeHead(200, rss).end(body.slice(0, Math.floor(body.length / 2)));
        return;
      }
      case "malformed":
        res.writeHead(200, { "Content-Type": "text/html" }).end("<!DOCTYPE html><html><body><p>Maintenance<br></body></html>");
        return;
      case "no-items-readable":
        res
          .writeHead(200, rss)
          .end(
            '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a</title></item><item><nothing/></item></channel></rss>',
          );
        return;
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const html = /^\/html\/([^/]+?)(v\d+)?$/.exec(url.pathname);
    if (html) {
      // arXiv's HTML full text: a fixture when there is one (test/fixtures/arxiv/html/{id}.html), else 404.
      const id = decodeURIComponent(html[1]!);
      requests.push({ path: url.pathname, category: `html:${id}`, userAgent: req.headers["user-agent"] ?? "", startedAt: Date.now(), endedAt: Date.now() });
      const file = path.join(FIXTURES_DIR, "html", `${id.replace(/[^\w.-]/g, "_")}.html`);
      if (existsSync(file)) res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(readFileSync(file));
      else res.writeHead(404, { "Content-Type": "text/html" }).end("<html><body>No HTML for this paper</body></html>");
      return;
    }
    const match = /^\/rss\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const category = decodeURIComponent(match[1]!);
    const record: RecordedRequest = {
      path: url.pathname,
      category,
      userAgent: req.headers["user-agent"] ?? "",
      startedAt: Date.now(),
    };
    requests.push(record);
    inFlight++;
    state.maxConcurrent = Math.max(state.maxConcurrent, inFlight);
    res.on("close", () => {
      inFlight--;
      record.endedAt = Date.now();
    });
    const scenario = scenarios.get(category) ?? scenarios.get("*") ?? "ok";
    if (options.delayMs) setTimeout(() => respond(res, category, scenario), options.delayMs);
    else respond(res, category, scenario);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    rssUrl: `${url}/rss`,
    htmlUrl: `${url}/html`,
    requests,
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    setScenario(category, scenario) {
      scenarios.set(category, scenario);
    },
    setAnnounceDate(date) {
      announceDate = date;
    },
    reset() {
      scenarios.clear();
      announceDate = options.announceDate;
      requests.length = 0;
      state.maxConcurrent = inFlight;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

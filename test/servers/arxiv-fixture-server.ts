// A stand-in for rss.arxiv.org on 127.0.0.1: serves the real fixtures by category, can misbehave on
// demand (HTTP errors, rate limits, timeouts, resets, trickles, broken or oversized or wrong feeds, a
// closed port), and records every request it gets.
import { readFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
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
  | "no-items-readable" // a channel whose items are all garbage
  | "http-503-bare" // HTTP 503 without Retry-After
  | "http-429-bare" // HTTP 429 without Retry-After
  | "http-429-long" // HTTP 429 asking for a day (Retry-After: 86400)
  | "reset-headers" // part of the status line and headers, then a TCP reset
  | "reset-body" // the headers and half the body (Content-Length says more), then a TCP reset
  | "trickle" // HTTP 200 and the fixture at a few bytes per second
  | "html" // a well-formed XHTML maintenance page with HTTP 200 (parses as XML, is not RSS)
  | "huge-length" // a valid feed padded to 50 MB (sent at 50 MB/s), with Content-Length
  | "huge-chunked" // the same 50 MB, chunked (no Content-Length)
  | "items-2000" // a valid feed of exactly 2,000 items (arXiv's own cap)
  | "items-2001" // a valid feed of 2,001 items
  | "wrong-category" // another category's day fixture (cs.CV's; cs.AI's for cs.CV) under this URL
  | "stale" // the category's day fixture dated one weekday earlier (yesterday's batch again)
  | "empty-weekday"; // a channel without items, dated the announcement day (a weekday)

export interface RecordedRequest {
  path: string;
  /** What was asked for: a category or a `+` union. */
  category: string;
  /** The categories asked for (one, or a union's). */
  categories: string[];
  userAgent: string;
  startedAt: number;
  endedAt?: number;
  /** Body bytes handed to the socket (the streamed scenarios: huge-*, trickle). */
  bytesSent?: number;
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
  /**
   * Refusing, the port is closed (connections get ECONNREFUSED; nothing is recorded); back, the server
   * listens on the same port again.
   */
  setRefusing(refusing: boolean): Promise<void>;
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

const ITEM = /<item>[\s\S]*?<\/item>\s*/g;
const TYPE_ORDER = ["new", "cross", "replace", "replace-cross"];

/**
 * The feed arXiv would serve for a `+` union it has no fixture of: the members' day fixtures' items,
 * each once, with the union's announce types (new or replace when its primary category is in the union,
 * or when a member announced it so: arXiv's aliases) in arXiv's order (type, then newest id first).
 * Undefined when no member has a fixture.
 */
export function composeUnionFixture(members: readonly string[]): string | undefined {
  const feeds = members.flatMap((c) => {
    const relative = `day/rss-${c}.xml`;
    return existsSync(path.join(FIXTURES_DIR, relative)) ? [{ category: c, text: readFixture(relative) }] : [];
  });
  if (feeds.length === 0) return undefined;
  const union = members.join("+");
  const items = new Map<string, { xml: string; type: string; sawNew: boolean; primary: string }>();
  for (const { text } of feeds) {
    for (const [xml] of text.matchAll(ITEM)) {
      const id = /<link>https?:\/\/arxiv\.org\/abs\/([^<]+)<\/link>/.exec(xml)?.[1] ?? xml;
      const type = /<arxiv:announce_type>([^<]+)</.exec(xml)?.[1] ?? "new";
      const primary = /<category>([^<]+)<\/category>/.exec(xml)?.[1] ?? "";
      const seen = items.get(id);
      items.set(id, { xml: seen?.xml ?? xml, type, primary, sawNew: (seen?.sawNew ?? false) || type === "new" || type === "replace" });
    }
  }
  const inUnion = (c: string) => members.some((m) => c === m || c.startsWith(`${m}.`));
  const rewritten = [...items].map(([id, { xml, type, sawNew, primary }]) => {
    const own = sawNew || inUnion(primary);
    const replacement = type.startsWith("replace");
    const unionType = replacement ? (own ? "replace" : "replace-cross") : own ? "new" : "cross";
    return {
      id,
      type: unionType,
      xml: xml
        .replace(/<arxiv:announce_type>[^<]+</, `<arxiv:announce_type>${unionType}<`)
        .replace(/Announce Type: [\w-]+/, `Announce Type: ${unionType}`),
    };
  });
  rewritten.sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const first = feeds[0]!;
  const start = first.text.search(/<item>/);
  const end = first.text.lastIndexOf("</channel>");
  const head = (start < 0 ? first.text.slice(0, end) : first.text.slice(0, start))
    .replace(`<title>${first.category} updates`, `<title>${members.join(", ")} updates`)
    .replace(`<description>${first.category} updates`, `<description>${members.join(", ")} updates`)
    .replaceAll(`/rss/${first.category}<`, `/rss/${union}<`)
    .replaceAll(`/rss/${first.category}"`, `/rss/${union}"`);
  return `${head}${rewritten.map((r) => r.xml).join("")}${first.text.slice(end)}`;
}

/** The weekday before `date` (`YYYY-MM-DD`), as `YYYY-MM-DD`. */
export function previousWeekday(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  let t = Date.UTC(y, m - 1, d);
  do t -= 86_400_000;
  while ([0, 6].includes(new Date(t).getUTCDay()));
  return new Date(t).toISOString().slice(0, 10);
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A valid arXiv-style feed of `count` distinct new papers in `category` (or a union), announced on `date`. */
export function syntheticFeed(category: string, date: string, count: number): string {
  const day = `${rfc822Day(date)} 00:00:00 -0400`;
  // A union's papers are spread over its categories, each the primary of some.
  const members = category.split("+");
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `2606.${String(50000 + i)}`;
    items.push(
      `    <item>
      <title>${xmlEscape(`Synthetic paper ${i} on efficient LLM inference`)}</title>
      <link>https://arxiv.org/abs/${id}</link>
      <description>arXiv:${id}v1 Announce Type: new 
Abstract: Synthetic abstract ${i} about distributed training and attention kernels.</description>
      <guid isPermaLink="false">oai:arXiv.org:${id}v1</guid>
      <category>${members[i % members.length]}</category>
      <pubDate>${day}</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
      <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
    </item>
`,
    );
  }
  return `<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>${category} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/${category}</link>
    <description>${category} updates on the arXiv.org e-print archive.</description>
    <pubDate>${day}</pubDate>
${items.join("")}  </channel>
</rss>
`;
}

const MAINTENANCE_XHTML = `<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>arXiv is down for maintenance</title></head>
<body><h1>Maintenance</h1><p>rss.arxiv.org will be back shortly.</p></body></html>
`;

/** The size of the huge-* scenarios' bodies. */
export const HUGE_BODY_BYTES = 50 * 1024 * 1024;
const PADDING = Buffer.from(`<!--${"x".repeat(64 * 1024 - 7)}-->`);

function resetSocket(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  // A TCP RST (ECONNRESET on the other side), not a clean FIN.
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

export async function startArxivFixtureServer(options: FixtureServerOptions = {}): Promise<ArxivFixtureServer> {
  const scenarios = new Map<string, Scenario>();
  let announceDate = options.announceDate;
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const state = { maxConcurrent: 0 };
  const hanging = new Set<ServerResponse>();
  const synthetic = new Map<string, string>();
  const unions = new Map<string, string>();

  /** The day fixture of a category or `+` union (composed from its members' when there is no file). */
  function dayText(category: string): string | undefined {
    const relative = options.fileForAll ?? `day/rss-${category}.xml`;
    if (existsSync(path.join(FIXTURES_DIR, relative))) return readFixture(relative);
    if (options.fileForAll || !category.includes("+")) return undefined;
    let composed = unions.get(category);
    if (composed === undefined) unions.set(category, (composed = composeUnionFixture(category.split("+")) ?? ""));
    return composed || undefined;
  }

  function dayFixture(category: string): string | undefined {
    const text = dayText(category);
    return text && announceDate ? text.replaceAll("Tue, 30 Jun 2026", rfc822Day(announceDate)) : text;
  }

  const goodDate = () => announceDate ?? "2026-06-30";

  function stale(category: string): string {
    const text = dayText(category);
    if (!text) return emptyFeed(category, previousWeekday(goodDate()));
    return text.replaceAll("Tue, 30 Jun 2026", rfc822Day(previousWeekday(goodDate())));
  }

  function syntheticFor(category: string, count: number): string {
    const key = `${category}|${goodDate()}|${count}`;
    let text = synthetic.get(key);
    if (text === undefined) {
      text = syntheticFeed(category, goodDate(), count);
      synthetic.set(key, text);
    }
    return text;
  }

  /** Writes a chunk, waiting for the socket to drain; false once the other side has gone. */
  function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      if (res.destroyed || res.writableEnded) return resolve(false);
      if (res.write(chunk)) return resolve(true);
      const done = (ok: boolean) => {
        res.off("drain", onDrain);
        res.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      res.on("drain", onDrain);
      res.on("close", onClose);
    });
  }

  async function huge(res: ServerResponse, record: RecordedRequest, category: string, withLength: boolean): Promise<void> {
    const feed = dayFixture(category) ?? emptyFeed(category, goodDate());
    const cut = feed.lastIndexOf("</channel>");
    const head = Buffer.from(feed.slice(0, cut));
    const tail = Buffer.from(feed.slice(cut));
    const paddings = Math.ceil((HUGE_BODY_BYTES - head.length - tail.length) / PADDING.length);
    const length = head.length + paddings * PADDING.length + tail.length;
    res.writeHead(200, {
      "Content-Type": "application/rss+xml; charset=utf-8",
      ...(withLength ? { "Content-Length": String(length) } : {}),
    });
    hanging.add(res);
    res.on("close", () => hanging.delete(res));
    record.bytesSent = 0;
    const send = async (chunk: Buffer) => {
      const ok = await write(res, chunk);
      if (ok) record.bytesSent! += chunk.length;
      return ok;
    };
    if (!(await send(head))) return;
    for (let i = 0; i < paddings; i++) {
      if (!(await send(PADDING))) return;
      // 1 MB every 20 ms (50 MB/s): the app reads as fast as it is sent, so the sockets' buffers stay
      // nearly empty and bytesSent tells how much the app took in before letting go.
      if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (await send(tail)) res.end();
  }

  function trickle(res: ServerResponse, record: RecordedRequest, category: string): void {
    const body = Buffer.from(dayFixture(category) ?? emptyFeed(category, goodDate()));
    res.writeHead(200, { "Content-Type": "application/rss+xml; charset=utf-8", "Content-Length": String(body.length) });
    hanging.add(res);
    record.bytesSent = 0;
    // 4 bytes every 250 ms: 16 bytes a second, the whole fixture in about a day.
    const timer = setInterval(() => {
      const chunk = body.subarray(record.bytesSent!, record.bytesSent! + 4);
      if (chunk.length === 0) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(chunk);
      record.bytesSent! += chunk.length;
    }, 250);
    res.on("close", () => {
      clearInterval(timer);
      hanging.delete(res);
    });
  }

  function respond(res: ServerResponse, category: string, scenario: Scenario, record: RecordedRequest): void {
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
      case "http-503-bare":
        res.writeHead(503, { "Content-Type": "text/html" }).end("<html><body>Service Unavailable</body></html>");
        return;
      case "http-429-bare":
        res.writeHead(429, { "Content-Type": "text/plain" }).end("Too Many Requests");
        return;
      case "http-429-long":
        res.writeHead(429, { "Content-Type": "text/plain", "Retry-After": "86400" }).end("Too Many Requests");
        return;
      case "reset-headers": {
        const socket = res.socket;
        socket?.write("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nContent-Len");
        setTimeout(() => resetSocket(socket), 30);
        return;
      }
      case "reset-body": {
        const body = Buffer.from(dayFixture(category) ?? emptyFeed(category, goodDate()));
        res.writeHead(200, { ...rss, "Content-Length": String(body.length) });
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        const socket = res.socket;
        setTimeout(() => resetSocket(socket), 30);
        return;
      }
      case "trickle":
        trickle(res, record, category);
        return;
      case "html":
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(MAINTENANCE_XHTML);
        return;
      case "huge-length":
      case "huge-chunked":
        void huge(res, record, category, scenario === "huge-length");
        return;
      case "items-2000":
      case "items-2001":
        res.writeHead(200, rss).end(syntheticFor(category, scenario === "items-2000" ? 2000 : 2001));
        return;
      case "wrong-category": {
        const other = category === "cs.CV" ? "cs.AI" : "cs.CV";
        res.writeHead(200, rss).end(dayFixture(other) ?? emptyFeed(other, goodDate()));
        return;
      }
      case "stale":
        res.writeHead(200, rss).end(stale(category));
        return;
      case "empty-weekday":
        res.writeHead(200, rss).end(emptyFeed(category, goodDate()));
        return;
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const html = /^\/html\/([^/]+?)(v\d+)?$/.exec(url.pathname);
    if (html) {
      // arXiv's HTML full text: a fixture when there is one (test/fixtures/arxiv/html/{id}.html), else 404.
      const id = decodeURIComponent(html[1]!);
      requests.push({ path: url.pathname, category: `html:${id}`, categories: [], userAgent: req.headers["user-agent"] ?? "", startedAt: Date.now(), endedAt: Date.now() });
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
      categories: category.split("+"),
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
    // A union misbehaves as its first member set to misbehave does: a fault of arXiv's for that category.
    const members = category.split("+");
    const scenario =
      scenarios.get(category) ?? members.map((c) => scenarios.get(c)).find((x) => x !== undefined && x !== "ok") ?? scenarios.get("*") ?? "ok";
    if (options.delayMs) setTimeout(() => respond(res, category, scenario, record), options.delayMs);
    else respond(res, category, scenario, record);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let refusing = false;
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
    async setRefusing(value) {
      if (value === refusing) return;
      refusing = value;
      if (value) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        await closed;
      } else {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(port, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
          });
        });
      }
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
      if (!refusing) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

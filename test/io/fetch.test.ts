// fetchCategoryFeed against the local arXiv stand-in and a stub server: real HTTP, real timeouts (io project).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchCategoryFeed, type FetchFeedOptions, type FetchOutcome } from "../../lib/arxiv/fetch";
import { startArxivFixtureServer, type ArxivFixtureServer, type Scenario } from "../servers/arxiv-fixture-server";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { readFixture } from "../helpers/fixtures";
import { startStubServer, type StubServer } from "../helpers/io";

let server: ArxivFixtureServer;
let stub: StubServer;

beforeAll(async () => {
  [server, stub] = await Promise.all([startArxivFixtureServer(), startStubServer()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), stub?.close()]);
});
beforeEach(() => {
  server.reset();
  server.setAnnounceDate(undefined);
});

function options(overrides: Partial<FetchFeedOptions> = {}): FetchFeedOptions {
  return {
    baseUrl: server.rssUrl,
    timeoutMs: 2000,
    userAgent: "arxiv-rss-bot/test (+https://example.org)",
    fetch: globalThis.fetch,
    ...overrides,
  };
}

async function outcomeFor(scenario: Scenario, category = "cs.DC", overrides: Partial<FetchFeedOptions> = {}) {
  server.setScenario(category, scenario);
  return fetchCategoryFeed(category, options(overrides));
}

function expectUnavailable(outcome: FetchOutcome, reason: string) {
  expect(outcome.kind).toBe("unavailable");
  if (outcome.kind !== "unavailable") throw new Error("unreachable");
  expect(outcome.reason).toBe(reason);
  expect(outcome.message.length).toBeGreaterThan(0);
  return outcome;
}

describe("fetchCategoryFeed: a good feed", () => {
  it("reads the category's day fixture: its date and every item", async () => {
    const outcome = await fetchCategoryFeed("cs.DC", options());
    expect(outcome.kind).toBe("feed");
    if (outcome.kind !== "feed") return;
    expect(outcome.date).toBe("2026-06-30");
    expect(outcome.papers).toHaveLength(2);
    expect(outcome.skipped).toBe(0);
    for (const p of outcome.papers) {
      expect(p.announced).toBe("2026-06-30");
      expect(p.id).toMatch(/^\d{4}\.\d{4,5}$/);
    }
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe("/rss/cs.DC");
  });

  it("reads a large real feed whole", async () => {
    const outcome = await fetchCategoryFeed("cs.AI", options());
    expect(outcome.kind).toBe("feed");
    if (outcome.kind !== "feed") return;
    expect(outcome.papers).toHaveLength(352);
  });

  it("reads the body's bytes as their UTF-8 text: in small chunks, characters cut between them, a byte order mark", async () => {
    // cs.AI's day, its channel title and first item's title not ASCII, sent 700 bytes at a time.
    const text = readFixture("day/rss-cs.AI.xml")
      .replace("<title>", "<title>Caf\u00E9 \u2014 ")
      .replace(/<item>\s*<title>/, "$&\u4E2D\u6587 \u{1F600} ");
    for (const body of [Buffer.from(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])]) {
      stub.handle((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/rss+xml" });
        for (let at = 0; at < body.length; at += 700) res.write(body.subarray(at, at + 700));
        res.end();
      });
      const outcome = await fetchCategoryFeed("cs.AI", options({ baseUrl: `${stub.url}/rss` }));
      const expected = parseArxivRss(text);
      if (outcome.kind !== "feed" || expected.kind !== "feed") throw new Error(`not a feed: ${outcome.kind}, ${expected.kind}`);
      expect(outcome.papers).toStrictEqual(expected.papers);
      expect(outcome.papers[0]!.title.startsWith("\u4E2D\u6587 \u{1F600} ")).toBe(true);
    }
  });

  it("follows the announcement day the server reports", async () => {
    server.setAnnounceDate("2026-07-01");
    const outcome = await fetchCategoryFeed("cs.DC", options());
    expect(outcome.kind === "feed" && outcome.date).toBe("2026-07-01");
    expect(outcome.kind === "feed" && outcome.papers.every((p) => p.announced === "2026-07-01")).toBe(true);
  });

  it("an empty channel (weekend) is a feed with no papers, not a failure", async () => {
    const outcome = await outcomeFor("empty");
    expect(outcome).toEqual({ kind: "feed", date: "2026-06-27", papers: [], skipped: 0 });
  });

  it("sends the given User-Agent and asks for RSS", async () => {
    let seen: Record<string, string | string[] | undefined> = {};
    stub.handle((req, res) => {
      seen = req.headers;
      res.writeHead(200, { "Content-Type": "application/rss+xml" }).end('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>');
    });
    await fetchCategoryFeed("cs.DC", options({ baseUrl: `${stub.url}/rss`, userAgent: "arxiv-rss-bot/9 (+contact)" }));
    expect(seen["user-agent"]).toBe("arxiv-rss-bot/9 (+contact)");
    expect(String(seen.accept)).toContain("application/rss+xml");
  });
});

describe("fetchCategoryFeed: classification of what arXiv answers", () => {
  it("HTTP 400 'Feed error for query' is an unknown category", async () => {
    const outcome = await outcomeFor("unknown", "cs.XX");
    expect(outcome.kind).toBe("unknown-category");
    if (outcome.kind === "unknown-category") expect(outcome.message).toContain("cs.XX");
  });

  it("HTTP 503 is unavailable (http-error) and carries Retry-After", async () => {
    const outcome = expectUnavailable(await outcomeFor("http-503"), "overloaded");
    expect(outcome.retryAfterSeconds).toBe(2);
    expect(outcome.message).toContain("503");
  });

  it("HTTP 429 is rate-limited and carries Retry-After", async () => {
    const outcome = expectUnavailable(await outcomeFor("http-429"), "rate-limited");
    expect(outcome.retryAfterSeconds).toBe(3);
  });

  it("HTTP 500 is unavailable (http-error) without Retry-After", async () => {
    const outcome = expectUnavailable(await outcomeFor("http-500"), "http-error");
    expect(outcome.retryAfterSeconds).toBeUndefined();
  });

  it("'Rate exceeded.' with HTTP 200 is rate-limited, not a feed", async () => {
    expectUnavailable(await outcomeFor("rate-exceeded"), "rate-limited");
  });

  it("no answer within timeoutMs is a timeout, and returns soon after the timeout", async () => {
    const started = Date.now();
    expectUnavailable(await outcomeFor("hang", "cs.DC", { timeoutMs: 200 }), "timeout");
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("a body that stalls after the headers is a timeout too", async () => {
    stub.handle((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/rss+xml" });
      res.write('<?xml version="1.0"?><rss version="2.0"><channel>');
    });
    const outcome = await fetchCategoryFeed("cs.DC", options({ baseUrl: `${stub.url}/rss`, timeoutMs: 200 }));
    expectUnavailable(outcome, "timeout");
  });

  it("a truncated feed is malformed", async () => {
    expectUnavailable(await outcomeFor("truncated"), "malformed");
  });

  it("an HTML page with HTTP 200 is malformed", async () => {
    expectUnavailable(await outcomeFor("malformed"), "malformed");
  });

  it("a channel none of whose items can be read is malformed, not an empty day", async () => {
    expectUnavailable(await outcomeFor("no-items-readable"), "malformed");
  });

  it("a connection refused is a network failure", async () => {
    const closed = await startStubServer();
    const url = closed.url;
    await closed.close();
    expectUnavailable(await fetchCategoryFeed("cs.DC", options({ baseUrl: `${url}/rss` })), "network");
  });

  it("a declared body far over the size limit is too-large", async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response("x", { status: 200, headers: { "Content-Length": String(64 * 1024 * 1024) } });
    expectUnavailable(await fetchCategoryFeed("cs.DC", options({ fetch: fakeFetch })), "too-large");
  });
});

describe("fetchCategoryFeed: HTTP 400 that is not arXiv's 'Feed error'", () => {
  const bodies: [string, string, string][] = [
    ["plain text", "text/plain", "Bad Request"],
    ["an HTML page titled Feed error", "text/html", "<html><head><title>Feed error for query</title></head><body></body></html>"],
    [
      "a normal RSS channel",
      "application/rss+xml",
      '<?xml version="1.0"?><rss version="2.0"><channel><title>cs.DC updates on arXiv.org</title></channel></rss>',
    ],
    ["an empty body", "text/plain", ""],
  ];
  it.each(bodies)("400 with %s is unavailable (http-error), not an unknown category", async (_name, type, body) => {
    stub.handle((_req, res) => void res.writeHead(400, { "Content-Type": type }).end(body));
    const outcome = await fetchCategoryFeed("cs.DC", options({ baseUrl: `${stub.url}/rss` }));
    expectUnavailable(outcome, "http-error");
    if (outcome.kind === "unavailable") expect(outcome.message).toContain("400");
  });

  it("a Retry-After given as an HTTP date becomes seconds from now", async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    stub.handle((_req, res) => void res.writeHead(503, { "Retry-After": at }).end("down"));
    const outcome = expectUnavailable(await fetchCategoryFeed("cs.DC", options({ baseUrl: `${stub.url}/rss` })), "overloaded");
    expect(outcome.retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(outcome.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it("a nonsense Retry-After is ignored", async () => {
    stub.handle((_req, res) => void res.writeHead(429, { "Retry-After": "soon-ish" }).end("slow down"));
    const outcome = expectUnavailable(await fetchCategoryFeed("cs.DC", options({ baseUrl: `${stub.url}/rss` })), "rate-limited");
    expect(outcome.retryAfterSeconds).toBeUndefined();
  });
});

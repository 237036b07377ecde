// The HTTP edge: handleFeed with real dependencies (source, MemoryStore, render cache) against the
// fixture server, on a fake clock. Statuses, headers, conditional requests, self links, and no leaks.
import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ArxivSourceDeps } from "../../lib/arxiv/source";
import { parseConfig } from "../../lib/config";
import { AppError } from "../../lib/errors";
import { errorResponse, handleFeed, type FeedHandlerDeps, type RenderedFeed } from "../../lib/http";
import { disabledSummaries } from "../../lib/summaries/service";
import { LruCache } from "../../lib/lru";
import type { RankedFeed } from "../../lib/feed";
import type { FeedFormat } from "../../lib/render/formats";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { et, recordingLogger, sourceHarness, serverForTests, TUE_10AM, WED_00, WED_10AM, prng } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);

const ORIGIN = "http://127.0.0.1:3000";

const config = parseConfig({
  categories: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"],
  keywords: [],
  announce_types: ["new", "cross", "replace", "replace-cross"],
  max_papers: 30,
  days_back: 5,
});

const CONTENT_TYPES: Record<FeedFormat, RegExp> = {
  rss: /^application\/rss\+xml; charset=utf-8$/,
  atom: /^application\/atom\+xml; charset=utf-8$/,
  json: /^application\/feed\+json; charset=utf-8$/,
  md: /^text\/markdown; charset=utf-8$/,
};

function harness(
  options: { siteUrl?: string; trustForwardedHeaders?: boolean; start?: number; source?: Partial<ArxivSourceDeps> } = {},
) {
  const sh = sourceHarness(server, options.start ?? TUE_10AM, { retrySeconds: 300, timeoutMs: 300, ...options.source });
  const log = recordingLogger();
  const deps: FeedHandlerDeps = {
    config,
    source: sh.source,
    now: sh.clock.now,
    log,
    origin: { siteUrl: options.siteUrl, trustForwardedHeaders: options.trustForwardedHeaders ?? false },
    renderTag: "unit-test",
    renderCache: new LruCache<RenderedFeed>(200, 64 * 1024 * 1024),
    summaries: disabledSummaries("no API key in unit tests"),
    feedCache: new LruCache<RankedFeed>(64, 64 * 1024 * 1024),
    storeDegraded: () => false,
    schedule: () => {
      throw new Error("summaries are off: nothing may be scheduled");
    },
  };
  return { ...sh, deps, httpLog: log };
}
type Harness = ReturnType<typeof harness>;

/** As the app routes do: /{format}/{cats...}?query → handleFeed(request, format, segments). */
function get(h: Harness, path: string, init: RequestInit = {}, origin = ORIGIN): Promise<Response> {
  const url = new URL(path, origin);
  const [, format, ...rest] = url.pathname.split("/");
  const segments = rest.length ? rest.map(decodeURIComponent) : undefined;
  return handleFeed(new Request(url, init), format as FeedFormat, segments, h.deps);
}

function sMaxAge(res: Response): number {
  const m = /(?:^|[,\s])s-maxage=(\d+)/.exec(res.headers.get("cache-control") ?? "");
  if (!m) throw new Error(`no s-maxage in ${res.headers.get("cache-control")}`);
  return Number(m[1]);
}

interface JsonFeed {
  version: string;
  feed_url?: string;
  home_page_url?: string;
  items: { id: string }[];
}

describe("formats", () => {
  it.each(["rss", "atom", "json", "md"] as const)("/%s/cs.DC answers 200 with its Content-Type and a readable body", async (format) => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    const res = await get(h, `/${format}/cs.DC`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(CONTENT_TYPES[format]);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("last-modified")).toBe(new Date(TUE_10AM).toUTCString());
    const body = await res.text();
    if (format === "json") {
      const feed = JSON.parse(body) as JsonFeed;
      expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
      expect(feed.items.map((i) => i.id).sort()).toEqual(["2606.28516", "2606.29337"]);
    } else if (format === "md") {
      expect(body).toMatch(/^# arXiv Papers Bot/);
      expect(body).toContain("**ArXiv ID**: 2606.29337v1");
    } else {
      expect(XMLValidator.validate(body)).toBe(true);
      expect(body).toContain(format === "rss" ? "<rss" : "<feed");
      expect(body).toContain("2606.29337");
    }
  });

  it("the configured categories are served at /rss with no path", async () => {
    const h = harness();
    const res = await get(h, "/json");
    expect(res.status).toBe(200);
    // One request for the four: arXiv's union feed, each category's papers derived from it.
    expect(server.requests.map((r) => r.category)).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
    expect(((await res.json()) as JsonFeed).items.length).toBeGreaterThan(0);
  });

  it("HEAD answers the headers without a body", async () => {
    const h = harness();
    const res = await get(h, "/rss/cs.DC", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBeTruthy();
    expect(await res.text()).toBe("");
  });
});

describe("conditional requests", () => {
  async function first(h: Harness, path = "/rss/cs.DC") {
    const res = await get(h, path);
    expect(res.status).toBe(200);
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    return { etag, lastModified: res.headers.get("last-modified")! };
  }

  it.each([
    ["the ETag itself", (etag: string) => etag],
    ["a weak W/ ETag", (etag: string) => `W/${etag}`],
    ["a list containing it", (etag: string) => `"nope", W/"other" ,${etag}`],
    ["*", () => "*"],
  ])("If-None-Match with %s → 304 with no body", async (_name, value) => {
    const h = harness();
    const { etag } = await first(h);
    const res = await get(h, "/rss/cs.DC", { headers: { "If-None-Match": value(etag) } });
    expect(res.status).toBe(304);
    expect(res.body).toBeNull();
    expect(await res.text()).toBe("");
    expect(res.headers.get("etag")).toBe(etag);
    expect(res.headers.get("cache-control")).toContain("s-maxage=");
  });

  it("a different ETag → 200 with the body", async () => {
    const h = harness();
    await first(h);
    const res = await get(h, "/rss/cs.DC", { headers: { "If-None-Match": '"something-else"' } });
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(100);
  });

  it("different formats and queries have different ETags", async () => {
    const h = harness();
    const tags = new Set<string>();
    for (const path of ["/rss/cs.DC", "/atom/cs.DC", "/json/cs.DC", "/rss/cs.DC?limit=1", "/rss/cs.DC+cs.LG"]) {
      tags.add((await first(h, path)).etag);
    }
    expect(tags.size).toBe(5);
  });

  it("the ETag changes when arXiv's papers change, so old copies are not revalidated", async () => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    const { etag } = await first(h);
    h.clock.set(WED_10AM);
    server.setAnnounceDate("2026-07-01");
    const res = await get(h, "/rss/cs.DC", { headers: { "If-None-Match": etag } });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).not.toBe(etag);
  });

  it("If-Modified-Since at or after Last-Modified → 304; before it → 200", async () => {
    const h = harness();
    const { lastModified } = await first(h);
    const at = Date.parse(lastModified);
    for (const since of [at, at + 3_600_000]) {
      const res = await get(h, "/rss/cs.DC", { headers: { "If-Modified-Since": new Date(since).toUTCString() } });
      expect(res.status).toBe(304);
      expect(await res.text()).toBe("");
    }
    for (const since of [new Date(at - 1000).toUTCString(), "not a date"]) {
      const res = await get(h, "/rss/cs.DC", { headers: { "If-Modified-Since": since } });
      expect(res.status).toBe(200);
    }
  });

  it("If-None-Match takes precedence over If-Modified-Since", async () => {
    const h = harness();
    const { lastModified } = await first(h);
    const res = await get(h, "/rss/cs.DC", { headers: { "If-None-Match": '"stale"', "If-Modified-Since": lastModified } });
    expect(res.status).toBe(200);
  });
});

describe("Cache-Control", () => {
  it("s-maxage is the seconds until the next arXiv update, with stale-while-revalidate", async () => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    const res = await get(h, "/rss/cs.DC");
    expect(sMaxAge(res)).toBe((WED_00 - TUE_10AM) / 1000);
    expect(res.headers.get("cache-control")).toMatch(/stale-while-revalidate=\d+/);
    expect(res.headers.get("cache-control")).toMatch(/\bpublic\b/);
    // An hour later the same cached feed has an hour less to live.
    h.clock.advance(3_600_000);
    const later = await get(h, "/rss/cs.DC");
    expect(server.requests).toHaveLength(1);
    expect(sMaxAge(later)).toBe((WED_00 - TUE_10AM) / 1000 - 3600);
  });

  it("s-maxage is at least 60 seconds just before the update", async () => {
    const start = WED_00 - 30_000;
    const h = harness({ start });
    server.setAnnounceDate("2026-06-30");
    const res = await get(h, "/rss/cs.DC");
    expect(res.status).toBe(200);
    expect(sMaxAge(res)).toBe(60);
  });

  it("a feed arXiv has not rebuilt yet is cached only until the retry", async () => {
    const start = et("2026-07-01", "00:30");
    const h = harness({ start, source: { retrySeconds: 600 } });
    server.setAnnounceDate("2026-06-30");
    const res = await get(h, "/rss/cs.DC");
    expect(sMaxAge(res)).toBe(600);
  });
});

describe("bad requests", () => {
  it.each([
    ["limit=0", "limit"],
    ["limit=501", "limit"],
    ["limit=-3", "limit"],
    ["types=x", "types"],
    ["match=q", "match"],
    ["keywords=a^0", "keywords"],
    ["keywords=%5E2", "keywords"],
    ["min_score=-1", "min_score"],
  ])("?%s → 400 text/plain naming %s, without asking arXiv", async (query, name) => {
    const h = harness();
    const res = await get(h, `/rss/cs.DC?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toContain(`"${name}"`);
    expect(server.requests).toHaveLength(0);
  });

  it("more than ten categories → 400", async () => {
    const h = harness();
    const cats = ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG", "cs.RO", "cs.SE", "cs.PL", "cs.OS", "cs.NI", "cs.IR"];
    const res = await get(h, `/rss/${cats.join("+")}`);
    expect(res.status).toBe(400);
    expect(server.requests).toHaveLength(0);
  });
});

describe("not found", () => {
  it.each(["/rss/cs.FOO", "/rss/cs.AI+nonsense", "/atom/cs.AI/extra", "/json/..%2F..%2Fetc%2Fpasswd"])(
    "%s → 404 without asking arXiv",
    async (path) => {
      const h = harness();
      const res = await get(h, path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(server.requests).toHaveLength(0);
    },
  );

  it("a category arXiv itself does not know → 404", async () => {
    const h = harness();
    server.setScenario("cs.GL", "unknown");
    const res = await get(h, "/rss/cs.GL");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("cs.GL");
    expect(server.requests).toHaveLength(1);
  });

  it("in a union, a category arXiv disowns is left out with a warning; the others are served", async () => {
    const h = harness();
    server.setScenario("cs.GL", "unknown");
    const res = await get(h, "/json/cs.DC+cs.GL");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-feed-warning")).toMatch(/^cs\.GL: arXiv has no category "cs\.GL"/);
    expect(((await res.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });
});

describe("arXiv down", () => {
  it.each(["http-500", "http-503", "hang", "malformed"] as const)(
    "%s with nothing cached → 503 with an integer Retry-After",
    async (scenario) => {
      const h = harness();
      server.setScenario("cs.DC", scenario);
      const res = await get(h, "/rss/cs.DC");
      expect(res.status).toBe(503);
      const retryAfter = res.headers.get("retry-after");
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      const body = await res.text();
      expect(body).toMatch(/^503 /);
      expect(body).not.toMatch(/\bat .+:\d+:\d+/);
    },
  );

  it("Retry-After counts down to arXiv's retry time", async () => {
    const h = harness({ source: { retrySeconds: 300 } });
    server.setScenario("cs.DC", "http-500");
    expect((await get(h, "/rss/cs.DC")).headers.get("retry-after")).toBe("300");
    h.clock.advance(299_500);
    expect((await get(h, "/rss/cs.DC")).headers.get("retry-after")).toBe("1");
    expect(server.requests).toHaveLength(1);
  });

  it("after a good fetch → 200 with the previous items, X-Feed-Warning and a short s-maxage", async () => {
    const h = harness();
    server.setAnnounceDate("2026-06-30");
    const good = await get(h, "/json/cs.DC");
    const goodIds = ((await good.json()) as JsonFeed).items.map((i) => i.id);
    expect(goodIds.length).toBe(2);

    h.clock.set(WED_10AM);
    server.setScenario("cs.DC", "http-503");
    const res = await get(h, "/json/cs.DC");
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(((await res.json()) as JsonFeed).items.map((i) => i.id)).toEqual(goodIds);
    const warning = res.headers.get("x-feed-warning");
    expect(warning).toContain("cs.DC");
    expect(warning).toMatch(/^[\x20-\x7E]+$/);
    expect(sMaxAge(res)).toBeLessThanOrEqual(60);
    expect(res.headers.get("cache-control")).not.toMatch(/stale-while-revalidate/);
    expect(res.headers.get("etag")).not.toBe(good.headers.get("etag"));
    expect(h.httpLog.entries.some((e) => e.level === "warn")).toBe(true);
  });

  it("one category down with nothing cached, another fine → 200 with a warning naming the missing one", async () => {
    const h = harness();
    server.setScenario("cs.GL", "http-500");
    const res = await get(h, "/json/cs.DC+cs.GL");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-feed-warning")).toContain("cs.GL");
    expect(((await res.json()) as JsonFeed).items.length).toBe(2);
  });
});

describe("self links", () => {
  async function jsonLinks(h: Harness, init: RequestInit = {}, origin = ORIGIN) {
    const res = await get(h, "/json/cs.DC?limit=5", init, origin);
    expect(res.status).toBe(200);
    const feed = (await res.json()) as JsonFeed;
    return { feed: feed.feed_url, home: feed.home_page_url };
  }

  it("use SITE_URL when given, whatever the request says", async () => {
    const h = harness({ siteUrl: "https://feeds.example.org" });
    const links = await jsonLinks(h, { headers: { Host: "attacker.example", "X-Forwarded-Host": "attacker.example" } });
    expect(links).toEqual({ feed: "https://feeds.example.org/json/cs.DC?limit=5", home: "https://feeds.example.org/" });
    const rss = await (await get(h, "/rss/cs.DC")).text();
    expect(rss).toContain('href="https://feeds.example.org/rss/cs.DC"');
    expect(rss).not.toContain("attacker");
  });

  it("otherwise use the request's Host, and vary on it", async () => {
    const h = harness();
    const res = await get(h, "/json/cs.DC?limit=5", { headers: { Host: "Feeds.Local:8080" } });
    expect(res.headers.get("vary")).toBe("Host");
    expect(((await res.json()) as JsonFeed).feed_url).toBe("http://feeds.local:8080/json/cs.DC?limit=5");
  });

  it("with SITE_URL nothing of the request is used, so nothing varies", async () => {
    const h = harness({ siteUrl: "https://feeds.example.org" });
    expect((await get(h, "/rss/cs.DC", { headers: { Host: "other.example" } })).headers.get("vary")).toBeNull();
  });

  it("ignore X-Forwarded-Host and X-Forwarded-Proto unless a proxy is trusted to set them", async () => {
    const h = harness();
    const headers = { Host: "feeds.local", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https" };
    const res = await get(h, "/json/cs.DC?limit=5", { headers });
    expect(res.headers.get("vary")).toBe("Host");
    expect(((await res.json()) as JsonFeed).feed_url).toBe("http://feeds.local/json/cs.DC?limit=5");
  });

  it("behind a trusted proxy (Vercel, TRUST_PROXY=1) use X-Forwarded-Host and X-Forwarded-Proto, and vary on them", async () => {
    const h = harness({ trustForwardedHeaders: true });
    const res = await get(h, "/json/cs.DC?limit=5", {
      headers: { Host: "internal:3000", "X-Forwarded-Host": "public.example, internal", "X-Forwarded-Proto": "https,http" },
    });
    expect(res.headers.get("vary")).toBe("X-Forwarded-Host, X-Forwarded-Proto");
    const feed = (await res.json()) as JsonFeed;
    expect(feed.feed_url).toBe("https://public.example/json/cs.DC?limit=5");
    expect(feed.home_page_url).toBe("https://public.example/");
  });

  it.each([
    ["markup", 'evil.example"><script>'],
    ["a path", "evil.example/phish"],
    ["userinfo", "user@evil.example"],
    ["spaces", "evil example"],
    ["two hosts", "a.example, b.example"],
    ["an impossible port", "ok.example:99999"],
    ["port 0", "ok.example:0"],
    ["a label too long", `${"a".repeat(64)}.example`],
    ["a label starting with a hyphen", "-bad.example"],
    ["a broken IPv6 literal", "[::1"],
  ])("a Host with %s gets 400 and no feed", async (_name, host) => {
    const h = harness();
    const res = await get(h, "/rss/cs.DC", { headers: { Host: host } });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("400 Bad Request: Invalid Host header\n");
  });

  it("a trusted proxy's malformed X-Forwarded-Host gets 400; a strange X-Forwarded-Proto is ignored", async () => {
    const h = harness({ trustForwardedHeaders: true });
    expect((await get(h, "/rss/cs.DC", { headers: { "X-Forwarded-Host": "evil example" } })).status).toBe(400);
    const res = await get(h, "/json/cs.DC?limit=5", { headers: { "X-Forwarded-Host": "ok.example", "X-Forwarded-Proto": "javascript" } });
    expect(((await res.json()) as JsonFeed).feed_url).toBe("http://ok.example/json/cs.DC?limit=5");
  });

  it("IPv6 literals and ports are host names too", async () => {
    const h = harness();
    const feedUrl = async (host: string) =>
      ((await (await get(h, "/json/cs.DC", { headers: { Host: host } })).json()) as JsonFeed).feed_url;
    expect(await feedUrl("[::1]:8080")).toBe("http://[::1]:8080/json/cs.DC");
    expect(await feedUrl("example.org:443")).toBe("http://example.org:443/json/cs.DC");
  });
});

describe("errors never leak", () => {
  it("errorResponse of a plain Error → 500, a generic message, the detail only in the log", async () => {
    const log = recordingLogger();
    const err = new Error("db password hunter2 at /srv/app/secret.ts:12:3");
    const res = errorResponse(err, log, new Request(`${ORIGIN}/rss`));
    expect(res.status).toBe(500);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.text();
    expect(body).toBe("500 Internal Server Error: Internal error; it has been logged.\n");
    const logged = log.entries.filter((e) => e.level === "error");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.fields?.error).toBe(err.message);
    expect(String(logged[0]!.fields?.stack)).toContain("hunter2");
  });

  it("errorResponse of a config error or a thrown non-Error is generic too", async () => {
    const log = recordingLogger();
    const config = await errorResponse(new AppError("config", "OPENAI key sk-123 invalid"), log).text();
    expect(config).not.toContain("sk-123");
    const thrown = errorResponse("a string with a secret", log);
    expect(thrown.status).toBe(500);
    expect(await thrown.text()).not.toContain("secret");
    expect(log.entries.filter((e) => e.level === "error")).toHaveLength(2);
  });

  it("a source that throws a plain Error → handleFeed answers 500 without the detail", async () => {
    const log = recordingLogger();
    const h = harness();
    const deps: FeedHandlerDeps = {
      ...h.deps,
      log,
      source: {
        load: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'secret')");
        },
        loadAll: (categories) =>
          categories.map(async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'secret')");
          }),
        peek: async () => undefined,
        pause: async () => undefined,
      },
    };
    const res = await handleFeed(new Request(`${ORIGIN}/rss/cs.DC`), "rss", ["cs.DC"], deps);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toContain("secret");
    expect(body).not.toContain("TypeError");
    expect(log.entries.some((e) => e.level === "error" && String(e.fields?.error).includes("secret"))).toBe(true);
  });
});

describe("fuzz: hostile paths and query strings", () => {
  it("300 requests never answer outside {200, 304, 400, 404} and never show a stack or an Error", async () => {
    const rand = prng(20260630);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const chars = ["a", "Z", "é", "ß", "💥", "\u202e", "\u0000", "%", "/", "\\", ".", "-", "^", ",", "+", " ", "<", ">", "&", '"', "'", "\n", "0", "9"];
    const junk = (max: number) => Array.from({ length: Math.floor(rand() * max) }, () => pick(chars)).join("");
    const cats = ["cs.AI", "cs.dc", "CS.LG", "cs.CL", "math.CO", "hep-th", "cs", "cs.FOO", "", "..", "../etc/passwd", "%00", "\u0000", "cs.AI\u0000", "é", "💥", "cs.", ".", "<script>", "-1", "1e309", "NaN", "__proto__", "constructor", "toString"];
    const values = [
      "0", "-1", "1", "30", "500", "501", "99999999999999999999999", "1e3", "1.5", " 5 ", "NaN", "Infinity", "-0", "0x10", "",
      "all", "new,cross", "new,,cross", "x", "prefix", "WORD", "q", "a^0", "a^101", "a^1.5", "^2", "a^", "llm,rl",
      "a".repeat(101), Array.from({ length: 51 }, (_, i) => `t${i}`).join(","), "9".repeat(400), "%00", "\u0000", "../../etc",
      "é", "💥", "<b>x</b>", "'\"", "__proto__",
    ];
    const names = ["limit", "types", "match", "keywords", "exclude", "min_score", "foo", "", "limit[]", "__proto__", "constructor"];
    const h = harness();

    const seen = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const format = pick(["rss", "atom", "json"] as const);
      let segments: string[] | undefined;
      switch (Math.floor(rand() * 6)) {
        case 0:
          segments = undefined;
          break;
        case 1:
          segments = [Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(cats)).join(pick(["+", ",", " ", "++", "+,"]))];
          break;
        case 2:
          segments = [pick(cats), pick(cats)];
          break;
        case 3:
          segments = [junk(rand() < 0.1 ? 5000 : 40)];
          break;
        case 4:
          segments = [Array.from({ length: 12 }, () => pick(cats)).join("+")];
          break;
        default:
          segments = [pick(["cs.DC", "cs.AI+cs.LG", "cs.dc,cs.DC"])];
      }
      const params: string[] = [];
      for (let n = Math.floor(rand() * 5); n > 0; n--) {
        const value = rand() < 0.2 ? junk(rand() < 0.1 ? 3000 : 30) : pick(values);
        params.push(rand() < 0.7 ? `${encodeURIComponent(pick(names))}=${encodeURIComponent(value)}` : `${pick(names)}=${pick(["%zz", "%", "%E0%A4%A", "%00", "%FF%FE", "a&&&b", "=="])}`);
      }
      const path = `/${format}/${(segments ?? []).map(encodeURIComponent).join("/")}?${params.join("&")}`;
      const headers: Record<string, string> = {};
      if (rand() < 0.2) headers["If-None-Match"] = pick(["*", 'W/"x"', '""', "garbage", ",,,", 'W/ "y"']);
      if (rand() < 0.2) headers["If-Modified-Since"] = pick(["garbage", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "-1"]);
      if (rand() < 0.2) headers["Host"] = pick(["example.org", "evil<>", "[::1]:80", "a".repeat(300), "x:99999999"]);
      if (rand() < 0.1) headers["X-Forwarded-Proto"] = pick(["https", "ftp", "HTTPS", ""]);
      const request = new Request(new URL(path, ORIGIN), { method: rand() < 0.1 ? "HEAD" : "GET", headers });

      const res = await handleFeed(request, format, segments, h.deps);
      const body = await res.text();
      const where = `#${i} ${format} ${JSON.stringify(segments)} ?${params.join("&")} ${JSON.stringify(headers)}`;
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      expect([200, 304, 400, 404], where).toContain(res.status);
      expect(body, where).not.toMatch(/\n\s+at |\bat \S+ \(|\S+\.[cm]?[jt]s:\d+:\d+/);
      expect(body, where).not.toContain("Error:");
      if (res.status === 200 && request.method === "GET") {
        if (format === "json") expect(() => JSON.parse(body), where).not.toThrow();
        else expect(XMLValidator.validate(body), where).toBe(true);
      }
      for (const [name, value] of res.headers) expect(value, `${where} header ${name}`).toMatch(/^[\x20-\x7E]*$/);
    }
    expect(h.httpLog.entries.filter((e) => e.level === "error")).toEqual([]);
    // The loop exercised every allowed outcome but 304 at least (304 needs a matching tag).
    expect(seen.get(200)).toBeGreaterThan(10);
    expect(seen.get(400)).toBeGreaterThan(10);
    expect(seen.get(404)).toBeGreaterThan(10);
  });
});

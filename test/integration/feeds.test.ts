// The built app (`next start`) against a local arXiv serving today's fixtures: every route, read by real
// feed clients, with arXiv asked once per category, one request at a time, 300 ms apart.
import { readFileSync } from "node:fs";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedAnnouncementDate, nextArxivUpdate } from "../../lib/arxiv/schedule";
import { FIXTURES_DIR, startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startApp, type AppProcess } from "./app-process";
import { need } from "./components";
import { feedparse, shownTitle, xmllint } from "./feed-clients";

const INTERVAL_MS = 300;
const CONFIGURED = ["cs.AI", "cs.CL", "cs.DC", "cs.LG"];
const hasFeedparser = need("feedparser", "apt-get install python3-feedparser");
const hasXmllint = need("xmllint", "apt-get install libxml2-utils");

interface JsonFeed {
  version: string;
  title: string;
  feed_url: string;
  items: {
    id: string;
    url: string;
    title: string;
    summary: string;
    content_html: string;
    date_published: string;
    authors: { name: string }[];
    tags: string[];
    _arxiv: {
      score: number;
      title_score: number;
      matches: { term: string; weight: number; in_title: boolean; in_abstract: boolean }[];
      announce_type: string;
      announced: string;
      primary_category: string;
      categories: string[];
      version: number;
    };
  }[];
}

/** Titles and categories straight from the fixture files, read without any of our code. */
function fixturePapers(category: string): Map<string, { title: string; categories: string[] }> {
  const xml = readFileSync(path.join(FIXTURES_DIR, `day/rss-${category}.xml`), "utf8");
  const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === "item" || n === "category" }).parse(xml);
  const papers = new Map<string, { title: string; categories: string[] }>();
  for (const item of doc.rss.channel.item as { title: string; guid: string; category: string[] }[]) {
    const id = String(item.guid).replace(/^oai:arXiv\.org:/, "").replace(/v\d+$/, "");
    papers.set(id, { title: String(item.title).replace(/\s+/g, " ").trim(), categories: item.category });
  }
  return papers;
}

let arxiv: ArxivFixtureServer;
let app: AppProcess;

beforeAll(async () => {
  arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
  app = await startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: String(INTERVAL_MS) });
});

afterAll(async () => {
  await app?.stop();
  await arxiv?.close();
});

async function get(pathAndQuery: string, init?: RequestInit) {
  const res = await fetch(`${app.url}${pathAndQuery}`, init);
  return { res, text: await res.text() };
}

describe("a fresh deployment under a burst of readers", () => {
  it("answers 30 concurrent /rss polls with one arXiv request for the configured union", async () => {
    const responses = await Promise.all(Array.from({ length: 30 }, () => get("/rss")));
    for (const { res } of responses) expect(res.status).toBe(200);
    expect(new Set(responses.map(({ res }) => res.headers.get("etag"))).size).toBe(1);

    // arXiv serves the union in one feed; each category's papers are derived from it.
    expect(arxiv.requests.map((r) => r.category)).toEqual([CONFIGURED.join("+")]);
    expect(arxiv.requests.every((r) => /^arxiv-rss-bot\/\d/.test(r.userAgent))).toBe(true);
  });
});

describe("every feed route", () => {
  const paths = ["", "/cs.AI", "/cs.AI+cs.CL", "/cs.LG", "/cs.DC", "?keywords=LLM,inference&limit=10"];

  it.each(paths)("serves RSS, Atom and JSON Feed for %s with the same papers in each", async (p) => {
    const json = await get(`/json${p}`);
    expect(json.res.status).toBe(200);
    expect(json.res.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
    const feed = JSON.parse(json.text) as JsonFeed;
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.feed_url).toBe(`${app.url}/json${p}`);

    const rss = await get(`/rss${p}`);
    expect(rss.res.status).toBe(200);
    expect(rss.res.headers.get("content-type")).toBe("application/rss+xml; charset=utf-8");
    const atom = await get(`/atom${p}`);
    expect(atom.res.status).toBe(200);
    expect(atom.res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");

    if (hasXmllint) {
      expect(xmllint(rss.text)).toBeNull();
      expect(xmllint(atom.text)).toBeNull();
    }
    if (hasFeedparser) {
      const r = feedparse(rss.text);
      expect(r.bozo, r.bozoException ?? "").toBe(false);
      expect(r.version).toBe("rss20");
      expect(r.entries.map((e) => [e.id, shownTitle(e), e.link])).toEqual(feed.items.map((i) => [i.id, i.title, i.url]));
      expect(r.entries.map((e) => e.authors)).toEqual(feed.items.map((i) => i.authors.map((a) => a.name)));
      expect(r.feed.links.find((l) => l.rel === "self")?.href).toBe(`${app.url}/rss${p}`);

      const a = feedparse(atom.text);
      expect(a.bozo, a.bozoException ?? "").toBe(false);
      expect(a.version).toBe("atom10");
      expect(a.entries.map((e) => [e.id, shownTitle(e), e.link])).toEqual(
        feed.items.map((i) => [`https://arxiv.org/abs/${i.id}`, i.title, i.url]),
      );
      expect(a.entries.map((e) => e.authors)).toEqual(feed.items.map((i) => i.authors.map((x) => x.name)));
    }
  });

  it("ranks each announcement day by the rules: score = A + 0.5 T, sorted, at most 30, configured types only", async () => {
    const feed = JSON.parse((await get("/json")).text) as JsonFeed;
    expect(feed.items.length).toBeGreaterThan(0);
    expect(feed.items.length).toBeLessThanOrEqual(30);
    const known = new Map(CONFIGURED.flatMap((c) => [...fixturePapers(c)]));
    let previous = Infinity;
    for (const item of feed.items) {
      const x = item._arxiv;
      const all = x.matches.reduce((s, m) => s + m.weight, 0);
      const inTitle = x.matches.filter((m) => m.in_title).reduce((s, m) => s + m.weight, 0);
      expect(x.score).toBeCloseTo(all + 0.5 * inTitle, 6);
      expect(x.score).toBeLessThanOrEqual(previous);
      previous = x.score;
      expect(["new", "cross"]).toContain(x.announce_type);
      expect(item.title).toBe(known.get(item.id)?.title);
      for (const m of x.matches) {
        if (m.in_title) expect(item.title.toLowerCase()).toContain(m.term.toLowerCase());
      }
      expect(item.title).not.toMatch(/\b(survey|review|tutorial)/i);
      expect(item.content_html).toContain(`Score ${x.score % 1 === 0 ? x.score.toFixed(1) : x.score}`);
    }
    expect(new Set(feed.items.map((i) => i.id)).size).toBe(feed.items.length);
  });

  it("keeps cross-listed papers in a union and recomputes their type", async () => {
    const feed = JSON.parse((await get("/json/cs.AI+cs.CL?keywords=&exclude=&limit=500&types=all")).text) as JsonFeed;
    const ai = fixturePapers("cs.AI");
    const cl = fixturePapers("cs.CL");
    const expected = new Set([...ai.keys(), ...cl.keys()]);
    expect(new Set(feed.items.map((i) => i.id))).toEqual(expected);
    for (const item of feed.items) {
      const primaryInUnion = ["cs.AI", "cs.CL"].includes(item._arxiv.categories[0]!);
      const replaced = item._arxiv.announce_type.startsWith("replace");
      expect(item._arxiv.announce_type).toBe(
        replaced ? (primaryInUnion ? "replace" : "replace-cross") : primaryInUnion ? "new" : "cross",
      );
    }
  });

  it("applies custom keywords, exclusions, min_score, types and match from the query string", async () => {
    const feed = JSON.parse(
      (await get("/json/cs.AI?keywords=agent^2,reasoning&exclude=benchmark&min_score=2&types=new&match=word&limit=50")).text,
    ) as JsonFeed;
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) {
      const x = item._arxiv;
      expect(x.announce_type).toBe("new");
      expect(x.score).toBeGreaterThanOrEqual(2);
      expect(x.matches.map((m) => m.term).every((t) => ["agent", "reasoning"].includes(t))).toBe(true);
      expect(`${item.title} ${item.summary}`).not.toMatch(/\bbenchmark\b/i);
      expect(`${item.title} ${item.summary}`).toMatch(/\b(agent|reasoning)\b/i);
    }
  });
});

describe("HTTP caching", () => {
  it("sends ETag, Last-Modified and Cache-Control until arXiv's next update, and 304 on a match", async () => {
    const { res } = await get("/atom/cs.AI+cs.CL");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(Date.parse(res.headers.get("last-modified")!)).not.toBeNaN();
    const cacheControl = res.headers.get("cache-control")!;
    const sMaxAge = Number(/s-maxage=(\d+)/.exec(cacheControl)?.[1]);
    const untilUpdate = (nextArxivUpdate(Date.now()) - Date.now()) / 1000;
    expect(Math.abs(sMaxAge - untilUpdate)).toBeLessThan(30);
    expect(cacheControl).toMatch(/stale-while-revalidate=\d+/);

    const again = await fetch(`${app.url}/atom/cs.AI+cs.CL`, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const otherFormat = await fetch(`${app.url}/rss/cs.AI+cs.CL`, { headers: { "If-None-Match": etag } });
    expect(otherFormat.status).toBe(200);
  });

  it("answers HEAD without a body", async () => {
    const res = await fetch(`${app.url}/rss/cs.AI`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/rss+xml");
    expect(await res.text()).toBe("");
  });
});

describe("bad input", () => {
  it.each([
    ["/rss/cs.FOO", 404, "cs.FOO"],
    ["/atom/cs.AI+nope.XX", 404, "nope.XX"],
    ["/json/cs.AI/extra", 404, "/cs.AI/extra"],
    ["/rss/cs.AI?limit=0", 400, '"limit"'],
    ["/rss?min_score=-1", 400, '"min_score"'],
    ["/rss?types=new,old", 400, '"types"'],
    ["/rss?match=fuzzy", 400, '"match"'],
    ["/rss?keywords=LLM^0", 400, '"keywords"'],
  ])("%s → %i with a plain message naming %s", async (p, status, named) => {
    const { res, text } = await get(p);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(text).toContain(named);
  });

  it("never answers 500 or shows a stack trace, whatever the path or query", async () => {
    const hostile = [
      "/rss/%00",
      "/rss/..%2F..%2Fetc%2Fpasswd",
      "/atom/cs.AI%2Bcs.CL",
      `/rss/${"cs.AI+".repeat(30)}cs.CL`,
      "/rss?limit=99999999999999999999",
      "/rss?limit=1e3",
      `/rss?keywords=${"a".repeat(5000)}`,
      `/rss?keywords=${Array.from({ length: 80 }, (_, i) => `k${i}`).join(",")}`,
      "/json?keywords=%F0%9F%9A%80,%E4%B8%AD%E6%96%87",
      "/json?keywords=(((,[[[,***,\\",
      "/rss?types=&match=",
      "/rss?min_score=NaN",
      "/rss?exclude=%00%01",
      "/json/cs.ai+CS.LG",
    ];
    for (const p of hostile) {
      const { res, text } = await get(p);
      expect([200, 304, 400, 404], p).toContain(res.status);
      expect(text, p).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });
});

describe("security headers", () => {
  it.each(["/rss", "/atom/cs.AI", "/json/cs.LG", "/md", "/opml", "/api/health", "/health"])("%s is a document that never runs or is framed", async (p) => {
    const { res } = await get(p);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  // Plain feed paths skip proxy.ts (its matcher): their route keeps its refusals and headers.
  it.each(["/rss?keywords=" + "a".repeat(5000), "/atom/cs.AI?keywords=" + "a,".repeat(2100), "/json/cs.XX", "/rss/cs.AI%ZZ"])(
    "%s: refused plainly, still a document",
    async (p) => {
      const { res, text } = await get(p);
      expect([400, 404]).toContain(res.status);
      expect(text.length).toBeLessThan(1024);
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    },
  );
});

describe("the home page", () => {
  it("offers the configured feeds and links each configured category to its own page", async () => {
    const { res, text } = await get("/");
    expect(res.status).toBe(200);
    for (const f of ["/rss", "/atom", "/json", "/opml"]) expect(text).toContain(`href="${f}"`);
    for (const c of CONFIGURED) expect(text).toContain(`href="/c/${c}"`);
  });
});

describe("without an API key or KV", () => {
  it("says nothing about AI summaries in any format, and /api/health says they are off", async () => {
    for (const p of ["/rss", "/atom/cs.AI", "/json/cs.AI+cs.CL"]) {
      const { text } = await get(p);
      expect(text).not.toMatch(/AI summary|ai_summary/);
    }
    const health = await fetch(`${app.url}/api/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as {
      status: string;
      version: string;
      store: { kind: string; configured: boolean };
      summaries: { enabled: boolean; reason: string };
      categories: { category: string; latestDay?: string; lastFetch?: { outcome: string }; failing: boolean }[];
    };
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.store).toMatchObject({ kind: "memory", configured: false });
    expect(body.summaries.enabled).toBe(false);
    expect(body.summaries.reason).toMatch(/API key/);
    expect(body.categories.map((c) => [c.category, c.latestDay, c.lastFetch?.outcome, c.failing])).toEqual(
      CONFIGURED.map((c) => [c, expectedAnnouncementDate(Date.now()), "ok", false]),
    );
    // The old bot's path answers the same.
    const old = await fetch(`${app.url}/health`);
    expect(old.status).toBe(200);
    expect(((await old.json()) as { categories: unknown }).categories).toEqual(body.categories);
  });

  it("refuses the cron refresh when CRON_SECRET is not set", async () => {
    const res = await fetch(`${app.url}/api/cron/refresh`, { headers: { Authorization: "Bearer anything" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("CRON_SECRET is not set");
  });
});

describe("after all of the above", () => {
  it("asked arXiv once per category in all, never two at a time", () => {
    const counts = new Map<string, number>();
    for (const r of arxiv.requests) counts.set(r.category, (counts.get(r.category) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(arxiv.maxConcurrent).toBe(1);
  });
});

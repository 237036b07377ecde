// A hostile day (every item written by an attacker) served by the local arXiv, read through `next start` by
// real feed clients; forged Host and X-Forwarded-Host headers; the cron endpoint under a misleading NODE_ENV.
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { parseConfig } from "../../lib/config";
import { toFeedDocument } from "../../lib/render/document";
import { renderAtom, renderRss } from "../../lib/render/feeds";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { withSummaries } from "../helpers/fixtures";
import { feedOfEvery, hostileDay } from "../helpers/hostile";
import { hrefsOf, unsafeHtml } from "../helpers/html-tree";
import { childrenNamed, findAll, parseXmlStrict } from "../helpers/xml-tree";
import { startApp, type AppProcess } from "./app-process";
import { need } from "./components";
import { feedparse, feedparseMany, shownTitle, xmllint } from "./feed-clients";

const hasFeedparser = need("feedparser", "apt-get install python3-feedparser");
const hasXmllint = need("xmllint", "apt-get install libxml2-utils");

/** The day's titles as a reader must see them, literally (from the fixture's construction). */
const TITLES = new Map([
  ["2606.90001", "A]]>B]]></title><link>https://evil.example/phish</link><description>phish</description></item><item><title><![CDATA[C"],
  ["2606.90002", "Categories with markup in them"],
  ["2606.90003", "A license that is a script"],
  ["2606.90004", "Invoice fdp.exe and isolated text"],
  ["2606.90005", "Scripts in the abstract: $\\pi_{0.5}$ and $a<b$"],
  ["2606.90006", "Tom &amp; Jerry <b>literally</b> and <![CDATA[ ]]]]> inside"],
]);
/** No keyword filter and every announce type: the feed holds the whole day. */
const EVERY = "?keywords=&types=all";
const ABS = /^https:\/\/arxiv\.org\/abs\/2606\.9000\d$/;

/** A GET with exactly these headers (fetch will not send a Host of our choosing). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, setHost: !("Host" in headers) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let arxiv: ArxivFixtureServer;
let app: AppProcess;

beforeAll(async () => {
  arxiv = await startArxivFixtureServer({ fileForAll: "hostile/rss-cs.CR.xml", announceDate: expectedAnnouncementDate(Date.now()) });
  app = await startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0" });
});

afterAll(async () => {
  await app?.stop();
  await arxiv?.close();
});

describe("a hostile day through next start", () => {
  it.each(["rss", "atom"])("/%s/cs.CR is well-formed, holds exactly the day's papers, links only to arXiv, runs nothing", async (format) => {
    const res = await fetch(`${app.url}/${format}/cs.CR${EVERY}`);
    expect(res.status).toBe(200);
    const xml = await res.text();
    if (hasXmllint) expect(xmllint(xml)).toBeNull();
    const doc = parseXmlStrict(xml);
    const items = findAll(doc, format === "rss" ? "item" : "entry");
    expect(items).toHaveLength(TITLES.size);
    for (const item of items) {
      const links = format === "rss" ? childrenNamed(item, "link").map((l) => l.text) : childrenNamed(item, "link").map((l) => l.attributes.href!);
      expect(links.every((l) => ABS.test(l)), links.join(" ")).toBe(true);
      const html = childrenNamed(item, format === "rss" ? "content:encoded" : "content")[0]!.text;
      expect(unsafeHtml(html)).toEqual([]);
      expect(hrefsOf(html).every((h) => /^https:\/\/(arxiv\.org|doi\.org|creativecommons\.org)\//.test(h) || /^http:\/\/creativecommons\.org\//.test(h))).toBe(true);
    }
    if (hasFeedparser) {
      const parsed = feedparse(xml);
      expect(parsed.bozo, parsed.bozoException ?? "").toBe(false);
      expect(parsed.entries).toHaveLength(TITLES.size);
      for (const entry of parsed.entries) {
        const id = entry.link.replace("https://arxiv.org/abs/", "");
        expect(shownTitle(entry)).toBe(TITLES.get(id));
        expect(entry.link).toMatch(ABS);
      }
    }
  });

  it("/json/cs.CR holds the same papers and titles, literally", async () => {
    const feed = (await (await fetch(`${app.url}/json/cs.CR${EVERY}`)).json()) as { items: { id: string; url: string; title: string; content_html: string }[] };
    expect(new Map(feed.items.map((i) => [i.id, i.title]))).toEqual(TITLES);
    for (const item of feed.items) {
      expect(item.url).toMatch(ABS);
      expect(unsafeHtml(item.content_html)).toEqual([]);
    }
  });
});

describe("forged Host and X-Forwarded-Host never reach a cacheable feed", () => {
  it("X-Forwarded-Host is ignored: links use the Host, and the answer varies on it", async () => {
    const res = await rawGet(`${app.url}/json/cs.CR`, { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain("evil.example");
    expect(res.headers.vary).toContain("Host");
    expect((JSON.parse(res.body) as { feed_url: string }).feed_url).toBe(`${app.url}/json/cs.CR`);
  });

  it("a forged Host shapes only the answer to that Host (Vary: Host), never the one others get", async () => {
    const forged = await rawGet(`${app.url}/rss/cs.CR`, { Host: "evil.example" });
    expect(forged.status).toBe(200);
    expect(forged.headers.vary).toContain("Host");
    const honest = await rawGet(`${app.url}/rss/cs.CR`, { Host: new URL(app.url).host });
    expect(honest.body).not.toContain("evil.example");
    expect(honest.body).toContain(`href="${app.url}/rss/cs.CR"`);
  });

  it.each(["evil.example:99999", 'evil"><script>', "a b", "user@evil.example"])("Host %j gets 400, no feed", async (host) => {
    const res = await rawGet(`${app.url}/atom/cs.CR`, { Host: host });
    expect([400]).toContain(res.status);
    expect(res.body).not.toContain("<feed");
  });
});

describe("behind a configured proxy, and with SITE_URL", () => {
  let proxied: AppProcess;
  let sited: AppProcess;
  beforeAll(async () => {
    [proxied, sited] = await Promise.all([
      startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0", TRUST_PROXY: "1" }),
      startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0", SITE_URL: "https://feeds.example.org" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([proxied?.stop(), sited?.stop()]);
  });

  it("TRUST_PROXY=1 takes X-Forwarded-Host/-Proto and varies on them", async () => {
    const res = await rawGet(`${proxied.url}/json/cs.CR`, { "X-Forwarded-Host": "public.example", "X-Forwarded-Proto": "https" });
    expect((JSON.parse(res.body) as { feed_url: string }).feed_url).toBe("https://public.example/json/cs.CR");
    expect(res.headers.vary).toContain("X-Forwarded-Host");
  });

  it("SITE_URL wins over every header, and nothing varies", async () => {
    const res = await rawGet(`${sited.url}/atom/cs.CR`, { Host: "evil.example", "X-Forwarded-Host": "evil.example" });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain("evil.example");
    expect(res.body).toContain('href="https://feeds.example.org/atom/cs.CR"');
    expect(res.headers.vary ?? "").not.toMatch(/host/i);
  });
});

describe("the cron endpoint", () => {
  it("is closed without CRON_SECRET even when next start is told NODE_ENV=development", async () => {
    const dev = await startApp({ ARXIV_RSS_URL: arxiv.rssUrl, ARXIV_MIN_INTERVAL_MS: "0", NODE_ENV: "development" });
    try {
      const res = await fetch(`${dev.url}/api/cron/refresh`);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("CRON_SECRET is not set");
    } finally {
      await dev.stop();
    }
  });
});

describe("feedparser reads arbitrary hostile papers back exactly (property, one feedparser process)", () => {
  const config = parseConfig({ categories: ["cs.AI"] });
  const NOW = Date.parse("2026-06-30T16:00:00Z");
  const links = { rss: "https://f.example/rss/cs.AI", atom: "https://f.example/atom/cs.AI", json: "https://f.example/json/cs.AI", html: "https://f.example/" };
  const days = fc.sample(hostileDay(4), { numRuns: Number(process.env.FUZZ_RUNS ?? 120), seed: 20261201 });

  it.skipIf(!hasFeedparser).each(["rss", "atom"] as const)("%s: titles, authors, ids and links as a reader shows them", (format) => {
    const docs = days.map((day) => toFeedDocument(withSummaries(feedOfEvery(day.papers, config, NOW), day.summaries), links));
    const parsed = feedparseMany(docs.map((doc) => (format === "rss" ? renderRss(doc) : renderAtom(doc))));
    parsed.forEach((feed, i) => {
      const items = docs[i]!.items;
      expect(feed.bozo, feed.bozoException ?? "").toBe(false);
      expect(feed.entries.map((e) => e.link)).toEqual(items.map((item) => `https://arxiv.org/abs/${item.guid}`));
      expect(feed.entries.map(shownTitle)).toEqual(items.map((item) => item.title));
      // feedparser takes anything like an e-mail address out of an author's name, by design: those
      // names are compared by the strict XML reading in the unit tests instead.
      const plain = items.map((item) => !item.authors.some((a) => a.includes("@")));
      expect(feed.entries.map((e) => e.authors).filter((_, j) => plain[j])).toEqual(items.map((item) => item.authors).filter((_, j) => plain[j]));
    });
  });
});

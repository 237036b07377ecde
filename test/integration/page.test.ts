// The reading page in a real browser: headless Chromium over `next start` (Vercel KV through a real
// redis-server, a local OpenAI-compatible model, a local arXiv serving today's fixtures), the cron run once
// so the day's summaries exist. What a reader notices: the order of the papers, the highlighted keywords,
// the math, the summaries opening by mouse and keyboard, feed discovery, the personalize form, the error
// pages, the OPML, a phone's width, and axe-core's verdict in light and dark.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi, type FakeOpenAi } from "../servers/fake-openai-server";
import { hasRedisServer, startRedisServer, startUpstashShim, type RedisServer, type UpstashShim } from "../servers/upstash-kv";
import { findAll, parseXmlStrict, type XmlElement } from "../helpers/xml-tree";
import { startApp, type AppProcess } from "./app-process";
import {
  axeViolations,
  DESKTOP,
  describeViolations,
  horizontalOverflow,
  launchBrowser,
  openPage,
  PHONE,
  screenshot,
  screenshotOf,
  type Browser,
  type Page,
} from "./browser";
import { need, REQUIRE_INTEGRATION } from "./components";
import { feedparse, xmllint } from "./feed-clients";

const config = getConfig();
const CRON_SECRET = "cron-secret-for-page-tests";
const MODEL = "page-test-model";

const hasChromium = need("chromium", "apt-get install chromium");
const hasXmllint = need("xmllint", "apt-get install libxml2-utils");
const hasFeedparser = need("feedparser", "apt-get install python3-feedparser");
if (!hasRedisServer()) {
  if (REQUIRE_INTEGRATION) throw new Error("REQUIRE_INTEGRATION=1 but redis-server is not installed (apt-get install redis-server)");
  console.warn("\n!!! redis-server is not installed (apt-get install redis-server): the page tests are SKIPPED !!!\n");
}
const run = hasChromium && hasRedisServer() ? describe : describe.skip;

interface JsonFeed {
  items: {
    id: string;
    url: string;
    _arxiv: {
      matches: { term: string; weight: number; in_title: boolean; in_abstract: boolean }[];
      announce_type: string;
      announced: string;
    };
  }[];
}

let arxiv: ArxivFixtureServer;
let llm: FakeOpenAi;
let redis: RedisServer;
let kv: UpstashShim;
let app: AppProcess;
let browser: Browser;

const url = (p: string) => new URL(p, app.url).href;

async function getJson(p: string): Promise<JsonFeed> {
  const res = await fetch(url(p));
  expect(res.status, p).toBe(200);
  return (await res.json()) as JsonFeed;
}

/** The papers of the page, in the order it lists them (their ids, from the title links). */
function paperIds(page: Page): Promise<string[]> {
  return page.$$eval("ol.paper-list > li > article.paper h3.paper-title > a", (links) =>
    links.map((a) => (a as HTMLAnchorElement).href.replace(/^https:\/\/arxiv\.org\/abs\//, "")),
  );
}

/** Opens `p`, runs `fn`, always closes the page's context. */
async function withPage<T>(p: string, fn: (page: Page, status: number) => Promise<T>, options: Parameters<typeof openPage>[2] = {}): Promise<T> {
  const opened = await openPage(browser, url(p), options);
  try {
    return await fn(opened.page, opened.response.status());
  } finally {
    await opened.close();
  }
}

/**
 * Waits until React has hydrated the form (its fields carry React's internal keys). Typing into a field
 * before that used to be lost in a textarea (see "keeps what a reader typed before the page's script ran").
 */
function hydrated(page: Page): Promise<unknown> {
  return page.waitForFunction(() => {
    const field = document.querySelector("section.personalize input[name=keywords]");
    return !!field && Object.keys(field).some((k) => k.startsWith("__react"));
  });
}

/** A strict XML parse plus xmllint's and feedparser's verdicts; returns the document. */
function wellFormedFeed(xml: string, label: string): XmlElement {
  const doc = parseXmlStrict(xml);
  if (hasXmllint) expect(xmllint(xml), `xmllint on ${label}`).toBeNull();
  if (hasFeedparser) {
    const parsed = feedparse(xml);
    expect(parsed.bozo, `feedparser on ${label}: ${parsed.bozoException}`).toBe(false);
  }
  return doc;
}

const rssIds = (doc: XmlElement) => findAll(doc, "item").map((i) => findAll(i, "guid")[0]!.text.trim());
const atomIds = (doc: XmlElement) => findAll(doc, "entry").map((e) => findAll(e, "id")[0]!.text.trim().replace(/^.*\//, ""));
const normalizeTerm = (s: string) => s.toLowerCase().replace(/[\s\-\u2010-\u2015]+/g, " ").trim();

run("the reading page in Chromium", () => {
  beforeAll(async () => {
    arxiv = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
    llm = await startFakeOpenAi();
    redis = await startRedisServer();
    kv = await startUpstashShim(redis.url);
    [app, browser] = await Promise.all([
      startApp({
        ARXIV_RSS_URL: arxiv.rssUrl,
        ARXIV_MIN_INTERVAL_MS: "0",
        KV_REST_API_URL: kv.url,
        KV_REST_API_TOKEN: kv.token,
        [config.aiSummary.api_key_env]: "sk-test-key",
        AI_SUMMARY_BASE_URL: llm.baseUrl,
        AI_SUMMARY_MODEL: MODEL,
        CRON_SECRET,
      }),
      launchBrowser(),
    ]);
    const res = await fetch(`${app.url}/api/cron/refresh`, { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { ok: boolean; summaries: { candidates: number; generated: number } };
    expect(report.ok).toBe(true);
    // Every candidate (the top of the union and of each configured category) is summarized in one run.
    expect(report.summaries.generated).toBe(report.summaries.candidates);
    expect(report.summaries.generated).toBeGreaterThanOrEqual(config.aiSummary.max_papers_to_summarize);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await kv?.close();
    await redis?.stop();
    await llm?.close();
    await arxiv?.close();
  });

  it("lists the day's papers in exactly the order of the view's JSON Feed", async () => {
    for (const [pagePath, jsonPath] of [
      ["/", "/json"],
      ["/c/cs.LG?keywords=LLM,agent^2", "/json/cs.LG?keywords=LLM,agent^2"],
    ] as const) {
      const ids = await withPage(pagePath, async (page, status) => {
        expect(status, pagePath).toBe(200);
        return paperIds(page);
      });
      const feed = await getJson(jsonPath);
      const day = feed.items[0]?._arxiv.announced;
      const jsonIds = feed.items.filter((i) => i._arxiv.announced === day).map((i) => i.id);
      expect(ids.length, pagePath).toBeGreaterThan(0);
      expect(ids, `${pagePath} vs ${jsonPath}`).toEqual(jsonIds);
    }
  });

  it("highlights the matched keywords, in the title when the title matched", async () => {
    const feed = await getJson("/json");
    const byId = new Map(feed.items.map((i) => [i.id, i]));
    const papers = await withPage("/", (page) =>
      page.$$eval("article.paper", (articles) =>
        articles.slice(0, 10).map((a) => ({
          id: (a.querySelector("h3.paper-title a") as HTMLAnchorElement).href.replace(/^https:\/\/arxiv\.org\/abs\//, ""),
          marks: Array.from(a.querySelectorAll(".paper-title mark, .abstract mark")).map((m) => m.textContent ?? ""),
          titleMarks: a.querySelectorAll(".paper-title mark").length,
        })),
      ),
    );
    expect(papers).toHaveLength(10);
    for (const paper of papers) {
      const item = byId.get(paper.id)!;
      expect(item, paper.id).toBeDefined();
      const terms = item._arxiv.matches.map((m) => normalizeTerm(m.term));
      expect(paper.marks.length, `${paper.id} has marks`).toBeGreaterThan(0);
      for (const mark of paper.marks) {
        // Prefix mode: the mark covers the term itself (a longer word keeps its tail unmarked).
        expect(terms, `${paper.id}: <mark>${mark}</mark>`).toContain(normalizeTerm(mark));
      }
      if (item._arxiv.matches.some((m) => m.in_title)) expect(paper.titleMarks, `${paper.id} title`).toBeGreaterThan(0);
    }
  });

  it("renders TeX as MathML that the browser lays out", async () => {
    const math = await withPage("/c/cs.LG?keywords=&limit=200", (page) =>
      page.evaluate(() => ({
        elements: Array.from(document.querySelectorAll("article.paper math")).map((m) => ({
          alttext: m.getAttribute("alttext") ?? "",
          width: m.getBoundingClientRect().width,
        })),
        muFlow: (() => {
          const link = document.querySelector('a[href="https://arxiv.org/abs/2606.30528"]');
          const article = link?.closest("article.paper");
          const abstract = article?.querySelector(".abstract");
          return abstract ? { text: abstract.textContent ?? "", math: abstract.querySelectorAll("math").length } : null;
        })(),
      })),
    );
    expect(math.elements.length).toBeGreaterThan(0);
    for (const [i, m] of math.elements.entries()) {
      expect(m.alttext.trim(), `math #${i} alttext`).not.toBe("");
      expect(m.width, `math #${i} (${m.alttext}) width`).toBeGreaterThan(0);
    }
    expect(math.muFlow, "paper 2606.30528 on the page").not.toBeNull();
    expect(math.muFlow!.math).toBeGreaterThan(0);
    expect(math.muFlow!.text).not.toContain("$\\mu$");
    expect(math.muFlow!.text).not.toMatch(/\$[^$]*\\[a-z]+[^$]*\$/i);
  });

  it("opens an AI summary by click and by keyboard, naming the model", async () => {
    await withPage("/", async (page) => {
      const details = page.locator("details.ai-summary").first();
      const summary = details.locator(":scope > summary");
      const body = details.locator(":scope > .markdown");
      await expect(details.count()).resolves.toBe(1);
      expect(await summary.textContent()).toContain(`by ${MODEL}`);
      expect(await body.isVisible()).toBe(false);

      await summary.click();
      expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      await body.waitFor({ state: "visible", timeout: 2000 });
      const box = await body.boundingBox();
      expect(box && box.height).toBeGreaterThan(20);
      expect((await body.innerText()).trim().length).toBeGreaterThan(50);

      // Keyboard: the summary is focusable and Enter toggles it (closed, then open again).
      await summary.focus();
      expect(await summary.evaluate((s) => s === document.activeElement)).toBe(true);
      await page.keyboard.press("Enter");
      expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
      expect(await body.isVisible()).toBe(false);
      await page.keyboard.press("Enter");
      expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(await body.isVisible()).toBe(true);
    });
  });

  it("advertises its RSS, Atom and JSON feeds in <head>, and they hold the page's papers", async () => {
    for (const pagePath of ["/", "/c/cs.AI?keywords=LLM&min_score=1", "/c/cs.AI+cs.CL?keywords=LLM&min_score=1"]) {
      const { status, links, first, pageUrl } = await withPage(pagePath, async (page, status) => ({
        status,
        links: await page.$$eval('head link[rel="alternate"]', (ls) =>
          ls.map((l) => ({ type: l.getAttribute("type") ?? "", href: l.getAttribute("href") ?? "", title: l.getAttribute("title") ?? "" })),
        ),
        first: (await paperIds(page))[0],
        pageUrl: page.url(),
      }));
      expect(status, pagePath).toBe(200);
      expect(first, pagePath).toBeDefined();
      expect(links.map((l) => l.type).sort(), pagePath).toEqual(["application/atom+xml", "application/feed+json", "application/rss+xml"]);
      for (const link of links) {
        expect(link.title, `${pagePath} ${link.type} title`).not.toBe("");
        const feedUrl = new URL(link.href, pageUrl);
        expect(feedUrl.origin, `${pagePath} ${link.type} href ${link.href}`).toBe(new URL(app.url).origin);
        const res = await fetch(feedUrl);
        expect(res.status, feedUrl.href).toBe(200);
        const body = await res.text();
        const contentType = res.headers.get("content-type") ?? "";
        if (link.type === "application/feed+json") {
          expect(contentType).toMatch(/^application\/feed\+json/);
          const feed = JSON.parse(body) as JsonFeed;
          expect(feed.items[0]?.id, feedUrl.href).toBe(first);
        } else {
          expect(contentType, feedUrl.href).toMatch(new RegExp(`^${link.type.replace("+", "\\+")}`));
          const doc = wellFormedFeed(body, feedUrl.href);
          const ids = link.type === "application/rss+xml" ? rssIds(doc) : atomIds(doc);
          expect(ids[0], feedUrl.href).toBe(first);
        }
      }
    }
  });

  // The fixture's cs.LG day holds only cross-lists (no "new" paper), so there the preview is empty; cs.CL's
  // day has new papers about RL, so the same settings there must list some.
  for (const [pagePath, nonEmpty] of [
    ["/c/cs.LG", false],
    ["/c/cs.CL", true],
  ] as const) {
    it(`the personalize form on ${pagePath} previews a feed, and its subscribe links serve exactly that feed`, async () => {
      // A laptop's window (1280×720): the whole form, its button included, must be reachable.
      await withPage(
        pagePath,
        async (page) => {
          await hydrated(page);
          const form = page.locator("section.personalize form");
          const keywords = form.locator("input[name=keywords]");
          await keywords.fill("diffusion, RL^2");
          expect(await keywords.inputValue()).toBe("diffusion, RL^2");
          await form.locator("input[name=exclude]").fill("survey");
          for (const box of await form.locator("input[name=types]").all()) {
            if ((await box.getAttribute("value")) === "new") await box.check();
            else await box.uncheck();
          }
          await form.locator("select[name=match]").selectOption("word");

          const button = form.getByRole("button", { name: "Preview feed" });
          await button.scrollIntoViewIfNeeded({ timeout: 3000 });
          const box = (await button.boundingBox())!;
          const viewport = page.viewportSize()!;
          expect(box.y, "the Preview feed button can be scrolled into the window").toBeGreaterThanOrEqual(0);
          expect(box.y + box.height, "the Preview feed button can be scrolled into the window").toBeLessThanOrEqual(viewport.height);
          await Promise.all([page.waitForURL((u) => u.search.includes("keywords="), { timeout: 10_000 }), button.click({ timeout: 5000 })]);
          await page.waitForLoadState("load");

          const pageUrl = new URL(page.url());
          expect(pageUrl.pathname).toBe(pagePath);
          const q = pageUrl.searchParams;
          expect(q.get("keywords")).toBe("diffusion, RL^2");
          expect(q.get("exclude")).toBe("survey");
          expect(q.getAll("types")).toEqual(["new"]);
          expect(q.get("match")).toBe("word");
          expect(await page.locator("section.error-view").count()).toBe(0);
          // The form shows what it previews.
          expect(await keywords.inputValue()).toBe("diffusion, RL^2");
          expect(await form.locator("input[name=exclude]").inputValue()).toBe("survey");
          expect(await form.locator("input[name=types]:checked").evaluateAll((bs) => bs.map((b) => (b as HTMLInputElement).value))).toEqual(["new"]);
          expect(await form.locator("select[name=match]").inputValue()).toBe("word");

          const rssHref = await page.locator('section.subscribe a[type="application/rss+xml"]').getAttribute("href");
          const jsonHref = await page.locator('section.subscribe a[type="application/feed+json"]').getAttribute("href");
          const rssUrl = new URL(rssHref!, page.url()).href;
          const jsonUrl = new URL(jsonHref!, page.url());
          expect(await page.locator("section.subscribe input[readonly]").inputValue()).toBe(rssUrl);

          const rssRes = await fetch(rssUrl);
          expect(rssRes.status).toBe(200);
          expect(rssRes.headers.get("content-type")).toMatch(/^application\/rss\+xml/);
          const rssDoc = wellFormedFeed(await rssRes.text(), rssUrl);
          expect(findAll(rssDoc, "rss")).toHaveLength(1);
          const ids = rssIds(rssDoc);

          const json = await getJson(jsonUrl.pathname + jsonUrl.search);
          expect(json.items.map((i) => i.id)).toEqual(ids);
          const pageIds = await paperIds(page);
          expect(ids.slice(0, pageIds.length)).toEqual(pageIds);
          if (nonEmpty) expect(ids.length, `${pagePath}: papers for these settings`).toBeGreaterThan(0);
          else expect(await page.locator("section.papers p.empty").count(), `${pagePath}: says nothing matches`).toBe(ids.length === 0 ? 1 : 0);
          for (const item of json.items) {
            expect(item._arxiv.announce_type, item.id).toBe("new");
            expect(item._arxiv.matches.length, item.id).toBeGreaterThan(0);
            for (const m of item._arxiv.matches) expect(["diffusion", "rl"], item.id).toContain(m.term.toLowerCase());
          }
        },
        { viewport: { width: 1280, height: 720 } },
      );
    });
  }
  it("keeps what a reader typed into the form before the page's script ran", async () => {
    // A slow network: the form is on screen and usable (a plain GET form) while the scripts still load.
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const page = await context.newPage();
      let release!: () => void;
      const scriptsMayLoad = new Promise<void>((r) => (release = r));
      await page.route("**/_next/static/**/*.js", async (route) => {
        await scriptsMayLoad;
        await route.continue();
      });
      await page.goto(url("/c/cs.LG"), { waitUntil: "commit" });
      const form = page.locator("section.personalize form");
      await form.locator("input[name=keywords]").fill("diffusion, RL^2");
      await form.locator("input[name=exclude]").fill("survey");
      release();
      await hydrated(page);
      await page.waitForLoadState("load");
      expect(await form.locator("input[name=exclude]").inputValue(), "the exclude field after hydration").toBe("survey");
      expect(await form.locator("input[name=keywords]").inputValue(), "the keywords field after hydration").toBe("diffusion, RL^2");
    } finally {
      await context.close();
    }
  });

  it("explains a bad parameter with a 400 and unknown categories or days with a 404, each with a way home", async () => {
    for (const [p, status, text] of [
      ["/c/cs.LG?limit=0", 400, /limit/],
      ["/c/cs.NOPE", 404, /Nothing here/],
      ["/?day=2020-01-01", 404, /Nothing here/],
    ] as const) {
      await withPage(p, async (page, got) => {
        expect(got, p).toBe(status);
        const view = page.locator("section.error-view");
        expect(await view.count(), p).toBe(1);
        expect(await view.innerText(), p).toMatch(text);
        expect(await view.locator(".status").innerText(), p).toBe(String(status));
        const home = view.locator('a[href="/"]');
        expect(await home.count(), `${p} links home`).toBe(1);
        expect(await home.isVisible()).toBe(true);
        expect(await page.locator("ol.paper-list").count(), p).toBe(0);
      });
    }
  });

  it("runs under a strict Content-Security-Policy: Next's scripts (with the nonce) run, nothing is refused", async () => {
    for (const p of ["/", "/c/cs.AI+cs.CL?keywords=LLM", "/c/cs.LG?limit=0", "/c/cs.NOPE"]) {
      const context = await browser.newContext({ viewport: DESKTOP });
      try {
        const page = await context.newPage();
        const refused: string[] = [];
        page.on("console", (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
        });
        const res = await page.goto(url(p), { waitUntil: "load" });
        const policy = res!.headers()["content-security-policy"] ?? "";
        expect(policy, p).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
        expect(policy, p).toContain("frame-ancestors 'none'");
        expect(res!.headers()["x-content-type-options"], p).toBe("nosniff");
        expect(res!.headers()["referrer-policy"], p).toBe("strict-origin-when-cross-origin");
        await page.waitForFunction(() => Object.keys(document.body).some((k) => k.startsWith("__react")) || !!document.querySelector("script"));
        expect(refused, p).toEqual([]);
      } finally {
        await context.close();
      }
    }
  });

  it("/opml is OPML 2.0 whose every feed and page answers", async () => {
    const res = await fetch(url("/opml"));
    expect(res.status).toBe(200);
    const doc = parseXmlStrict(await res.text());
    const [opml] = findAll(doc, "opml");
    expect(opml?.attributes.version).toBe("2.0");
    const outlines = findAll(doc, "outline").filter((o) => o.attributes.xmlUrl);
    expect(outlines.length).toBeGreaterThanOrEqual(config.categories.length);
    await Promise.all(
      outlines.map(async (o) => {
        const feed = await fetch(o.attributes.xmlUrl!);
        expect(feed.status, o.attributes.xmlUrl).toBe(200);
        const body = await feed.text();
        const parsed = wellFormedFeed(body, o.attributes.xmlUrl!);
        expect(findAll(parsed, "item").length + findAll(parsed, "entry").length, o.attributes.xmlUrl).toBeGreaterThan(0);
        expect(o.attributes.htmlUrl, `${o.attributes.text} htmlUrl`).toBeTruthy();
        const html = await fetch(o.attributes.htmlUrl!);
        expect(html.status, o.attributes.htmlUrl).toBe(200);
        await html.text();
      }),
    );
  });

  it("fits a phone, and looks right in screenshots (desktop light, phone, desktop dark)", async () => {
    // Each as the whole page, its first screenful and its last (easier to look at).
    const shoot = async (page: Page, name: string) => {
      await screenshot(page, name);
      await screenshot(page, `${name}-fold`, { fullPage: false });
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await screenshot(page, `${name}-end`, { fullPage: false });
      await page.evaluate(() => window.scrollTo(0, 0));
    };
    await withPage("/", (page) => shoot(page, "home-desktop-light"), { viewport: DESKTOP, colorScheme: "light" });
    await withPage(
      "/",
      async (page) => {
        await shoot(page, "home-desktop-dark");
        await screenshotOf(page.locator("section.personalize"), "personalize-desktop-dark");
      },
      { viewport: DESKTOP, colorScheme: "dark" },
    );
    for (const p of ["/", "/c/cs.LG?keywords=&limit=200"]) {
      await withPage(
        p,
        async (page) => {
          if (p === "/") {
            await shoot(page, "home-phone-light");
            // A summary opened, on a phone: its headings and table must fit.
            const details = page.locator("details.ai-summary").first();
            await details.locator(":scope > summary").click();
            await screenshotOf(details.locator("xpath=ancestor::article[1]"), "paper-summary-open-phone-light");
          } else {
            await screenshotOf(page.locator("article.paper", { has: page.locator('a[href="https://arxiv.org/abs/2606.30528"]') }), "paper-math-phone-light");
          }
          const overflow = await horizontalOverflow(page);
          expect(overflow.scrollWidth, `${p} at 360 px scrolls sideways: ${overflow.widest.join(", ")}`).toBeLessThanOrEqual(overflow.innerWidth);
        },
        { viewport: PHONE, colorScheme: "light" },
      );
    }
  });

  describe("axe-core finds no serious or critical violation", () => {
    for (const colorScheme of ["light", "dark"] as const) {
      for (const [name, p, status] of [
        ["home", "/", 200],
        ["custom view", "/c/cs.AI+cs.CL?keywords=LLM&min_score=1", 200],
        ["one-category custom view", "/c/cs.AI?keywords=LLM&min_score=1", 200],
        ["400 page", "/c/cs.LG?limit=0", 400],
        ["404 page", "/c/cs.NOPE", 404],
      ] as const) {
        it(`on the ${name} (${p}), ${colorScheme}`, async () => {
          await withPage(
            p,
            async (page, got) => {
              expect(got).toBe(status);
              // With a summary open too: its content is part of what a reader meets.
              const summary = page.locator("details.ai-summary > summary").first();
              if (await summary.count()) await summary.click();
              const violations = await axeViolations(page);
              expect(violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length} nodes)`), `${p}, ${colorScheme}:\n${describeViolations(violations)}`).toEqual([]);
            },
            { colorScheme },
          );
        });
      }
    }
  });
});

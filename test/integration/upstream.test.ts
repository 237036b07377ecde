// arXiv misbehaving, against the built app: every kind of failure gives 503 + Retry-After when nothing is
// cached, the last good papers (with a warning) when something is, and 404 when arXiv says the category
// does not exist. Nothing gives a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArxivFixtureServer, type ArxivFixtureServer, type Scenario } from "../servers/arxiv-fixture-server";
import { freePort, startApp, type AppProcess } from "./app-process";

const FAILURES: Scenario[] = [
  "http-503",
  "http-429",
  "http-500",
  "rate-exceeded",
  "hang",
  "truncated",
  "malformed",
  "no-items-readable",
];
// Categories in arXiv's taxonomy that the fixture server has no day file for: one per failure.
const UNCACHED = ["cs.RO", "cs.SE", "cs.CR", "cs.NI", "cs.IR", "cs.HC", "cs.PL", "cs.DS"];

let arxiv: ArxivFixtureServer;
let app: AppProcess;

beforeAll(async () => {
  // No announceDate: the fixtures keep their old date, so the app re-checks them after ARXIV_RETRY_SECONDS.
  arxiv = await startArxivFixtureServer();
  app = await startApp({
    ARXIV_RSS_URL: arxiv.rssUrl,
    ARXIV_MIN_INTERVAL_MS: "20",
    ARXIV_TIMEOUT_MS: "700",
    ARXIV_MAX_WAIT_MS: "3000",
    ARXIV_RETRY_SECONDS: "1",
  });
});

afterAll(async () => {
  await app?.stop();
  await arxiv?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("arXiv fails and nothing is cached", () => {
  it.each(FAILURES.map((s, i) => [s, UNCACHED[i]!] as const))("%s → 503 with Retry-After (%s)", async (scenario, category) => {
    arxiv.setScenario(category, scenario);
    const res = await fetch(`${app.url}/rss/${category}`);
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(text).toMatch(/^503 Service Unavailable: arXiv is unavailable/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("honours arXiv's Retry-After and does not ask again before it", async () => {
    arxiv.setScenario("cs.MA", "http-429"); // the fixture server asks for 3 s
    const first = await fetch(`${app.url}/rss/cs.MA`);
    expect(first.status).toBe(503);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(2);
    const asked = arxiv.requests.filter((r) => r.category === "cs.MA").length;
    for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/rss/cs.MA`)).status).toBe(503);
    expect(arxiv.requests.filter((r) => r.category === "cs.MA").length).toBe(asked);
  });
});

describe("arXiv fails after a good fetch", () => {
  it.each(FAILURES)("%s → 200 with the last good papers and a warning", async (scenario) => {
    arxiv.setScenario("cs.AI", "ok");
    // Wait out the last failure's backoff and any arXiv-wide pause (arXiv's Retry-After can make either
    // 3 s) until a clean fetch made now.
    const asked = arxiv.requests.filter((r) => r.category === "cs.AI").length;
    let good = await fetch(`${app.url}/json/cs.AI`);
    for (let i = 0; i < 60 && (good.headers.get("x-feed-warning") || arxiv.requests.filter((r) => r.category === "cs.AI").length === asked); i++) {
      await sleep(250);
      good = await fetch(`${app.url}/json/cs.AI`);
    }
    expect(good.status).toBe(200);
    expect(good.headers.get("x-feed-warning")).toBeNull();
    const goodIds = ((await good.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(goodIds.length).toBeGreaterThan(0);

    arxiv.setScenario("cs.AI", scenario);
    await sleep(1100);
    const before = arxiv.requests.filter((r) => r.category === "cs.AI").length;
    const stale = await fetch(`${app.url}/json/cs.AI`);
    expect(arxiv.requests.filter((r) => r.category === "cs.AI").length).toBe(before + 1);
    expect(stale.status).toBe(200);
    expect(stale.headers.get("x-feed-warning")).toMatch(/^cs\.AI: /);
    expect(stale.headers.get("cache-control")).toMatch(/s-maxage=60\b/);
    const staleIds = ((await stale.json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(staleIds).toEqual(goodIds);
  });

  it("an empty feed (a weekend) keeps the last good papers, without a warning", async () => {
    arxiv.setScenario("cs.CL", "ok");
    const good = (await (await fetch(`${app.url}/json/cs.CL`)).json()) as { items: { id: string }[] };
    arxiv.setScenario("cs.CL", "empty");
    await sleep(1100);
    const res = await fetch(`${app.url}/json/cs.CL`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-feed-warning")).toBeNull();
    expect(((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual(good.items.map((i) => i.id));
  });
});

describe("arXiv says the category does not exist", () => {
  it("answers 404 and remembers it until arXiv's next update", async () => {
    arxiv.setScenario("cs.GL", "unknown");
    const res = await fetch(`${app.url}/atom/cs.GL`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('arXiv has no category "cs.GL"');
    const asked = arxiv.requests.filter((r) => r.category === "cs.GL").length;
    expect((await fetch(`${app.url}/atom/cs.GL`)).status).toBe(404);
    expect(arxiv.requests.filter((r) => r.category === "cs.GL").length).toBe(asked);
  });
});

describe("arXiv unreachable", () => {
  it("answers 503 with Retry-After when nothing listens at ARXIV_RSS_URL", async () => {
    const closedPort = await freePort();
    const offline = await startApp({
      ARXIV_RSS_URL: `http://127.0.0.1:${closedPort}/rss`,
      ARXIV_MIN_INTERVAL_MS: "20",
      ARXIV_TIMEOUT_MS: "700",
    });
    try {
      const res = await fetch(`${offline.url}/rss`);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await res.text()).toContain("arXiv could not be reached");
      const home = await fetch(`${offline.url}/`);
      expect(home.status).toBe(200);
    } finally {
      await offline.stop();
    }
  });
});

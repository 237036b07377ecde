// The summary model misbehaving, against `next start` with a local OpenAI-compatible stand-in that counts
// every HTTP request it gets, and a real redis-server behind the Upstash shim: down (a closed port), slow,
// hanging, a 429 storm with Retry-After near the daily cap, an endless answer, an answer of the wrong
// shape. Feeds are served regardless and at once; every HTTP attempt counts against
// ai_summary.max_summaries_per_day, which is never passed; summaries come once the fault ends.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { easternDate, expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import { getConfig } from "../../lib/config";
import { startArxivFixtureServer, type ArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { startFakeOpenAi, WRONG_SHAPE_MARKER, type FakeOpenAi, type LlmCall } from "../servers/fake-openai-server";
import { internalErrors, jsonItems, request, sleep, startQuietApp, waitFor, type Answer } from "../helpers/faults";
import { describeWithRedis, startKv, type KvHarness } from "../helpers/redis";
import type { AppProcess } from "./app-process";

const ai = getConfig().aiSummary;
const CAP = ai.max_summaries_per_day;
const KEY = "arxiv-rss-bot:v1";

interface Health {
  status: string;
  summaries: { enabled: boolean; today?: { calls: number; cap: number }; lastCall?: { ok: boolean; reason?: string } };
}

describeWithRedis("model faults", () => {
  let kv: KvHarness;
  let fx: ArxivFixtureServer;
  let llm: FakeOpenAi;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    kv = await startKv();
    fx = await startArxivFixtureServer({ announceDate: expectedAnnouncementDate(Date.now()) });
    llm = await startFakeOpenAi();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await llm?.close();
    await fx?.close();
    await kv?.close();
  });

  beforeEach(async () => {
    await llm.setDown(false);
    llm.endOpenAnswers();
    llm.reset();
    await kv.reset();
    fx.reset();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) {
      expect(internalErrors(app)).toEqual([]);
      await app.stop();
    }
    expect(llm.calls.length, "HTTP requests at the model in this test").toBeLessThanOrEqual(CAP);
  });

  async function start(): Promise<AppProcess> {
    const app = await startQuietApp({
      ARXIV_RSS_URL: fx.rssUrl,
      ARXIV_MIN_INTERVAL_MS: "50",
      ARXIV_TIMEOUT_MS: "2000",
      KV_REST_API_URL: kv.shim.url,
      KV_REST_API_TOKEN: kv.shim.token,
      KV_TIMEOUT_MS: "1000",
      [ai.api_key_env]: "sk-test-key",
      AI_SUMMARY_BASE_URL: llm.baseUrl,
      AI_SUMMARY_MODEL: "test-model",
      AI_SUMMARY_RETRY_SECONDS: "1",
    });
    apps.push(app);
    return app;
  }

  /** A reader's poll of the configured feed (which starts summaries after it is answered). */
  async function poll(app: AppProcess): Promise<Answer> {
    const answer = await request(app.url, "/rss");
    expect(answer.status).toBe(200);
    return answer;
  }

  /** Readers polling every `everyMs` for `ms`: the slowest answer, in ms. */
  async function readersFor(targets: AppProcess[], ms: number, everyMs = 250): Promise<number> {
    const until = Date.now() + ms;
    let slowest = 0;
    for (let i = 0; Date.now() < until; i++) {
      slowest = Math.max(slowest, (await poll(targets[i % targets.length]!)).ms);
      await sleep(everyMs);
    }
    return slowest;
  }

  const summarized = async (app: AppProcess) => jsonItems(await request(app.url, "/json")).filter((i) => i._arxiv.ai_summary).length;

  /** Summaries show up once the fault has ended (readers keep polling, failed papers are retried). */
  async function summariesArrive(app: AppProcess): Promise<void> {
    await waitFor(
      "a summary in the feed",
      async () => {
        await poll(app);
        return (await summarized(app)) > 0;
      },
      { timeoutMs: 45_000, everyMs: 500 },
    );
  }

  async function health(app: AppProcess): Promise<Health> {
    return JSON.parse((await request(app.url, "/api/health")).text) as Health;
  }

  /** Waits until the model has had no request for `quietMs`. */
  async function quiet(quietMs = 2500, timeoutMs = 40_000): Promise<void> {
    let seen = -1;
    let since = Date.now();
    await waitFor(
      "the model to be left alone",
      () => {
        if (llm.calls.length !== seen) {
          seen = llm.calls.length;
          since = Date.now();
        }
        return Date.now() - since >= quietMs;
      },
      { timeoutMs },
    );
  }

  const byPaper = (calls: readonly LlmCall[]) => {
    const map = new Map<string, number[]>();
    for (const c of calls) map.set(c.paper ?? "?", [...(map.get(c.paper ?? "?") ?? []), c.at]);
    return map;
  };

  it("down (a closed port): feeds at once, no summary, health tells; summaries once it is back", async () => {
    await llm.setDown(true);
    const app = await start();
    await poll(app); // the cold one: arXiv is asked for the configured categories
    expect(await readersFor([app], 2000)).toBeLessThan(1500);
    const failed = await waitFor("health to report the failed call", async () => {
      const h = await health(app);
      return h.summaries.lastCall?.ok === false ? h : undefined;
    });
    expect(failed.summaries.enabled).toBe(true);
    expect(await summarized(app)).toBe(0);

    await llm.setDown(false);
    await summariesArrive(app);
  });

  it("slow (3 s an answer): feeds do not wait, at most max_workers calls at once, and the summaries arrive", async () => {
    llm.setDelay(3000);
    const app = await start();
    await poll(app);
    expect(await readersFor([app], 3000)).toBeLessThan(1000);
    expect(llm.calls.length).toBeGreaterThan(0);
    expect(llm.maxInFlight).toBeLessThanOrEqual(ai.max_workers);
    await summariesArrive(app);
  });

  it("hanging: feeds do not wait, at most max_workers calls hang and no other starts meanwhile; recovery once they are cut", async () => {
    llm.setBehaviour("*", "hang");
    const app = await start();
    await poll(app);
    expect(await readersFor([app], 4000)).toBeLessThan(1000);
    expect(llm.inFlight).toBeGreaterThan(0);
    expect(llm.maxInFlight).toBeLessThanOrEqual(ai.max_workers);
    expect(llm.calls.length).toBeLessThanOrEqual(ai.max_workers);
    expect((await health(app)).status).not.toBe("down");

    llm.setBehaviour("*", "ok");
    llm.endOpenAnswers();
    await summariesArrive(app);
  });

  it("a 429 storm with Retry-After, 5 calls short of the daily cap: at most 5 HTTP requests, Retry-After honoured", async () => {
    // The day's count as the app keeps it, as if 95 calls had been made already (by any instance).
    const budgetKey = `${KEY}:summary-budget:${easternDate(Date.now())}`;
    await kv.direct.set(budgetKey, String(CAP - 5), { PX: 3 * 86_400_000 });
    llm.setBehaviour("*", "http-429-retry-after");
    const apps2 = [await start(), await start()];
    await Promise.all(apps2.map(poll));
    await readersFor(apps2, 8000, 300);
    await quiet();

    expect(llm.calls.length, "no call was made at all").toBeGreaterThan(0);
    expect(llm.calls.length, `HTTP requests at the model with ${5} calls left today`).toBeLessThanOrEqual(5);
    // Asked to come back in 1 s, nobody came back sooner for the same paper.
    for (const [paper, at] of byPaper(llm.calls)) {
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `${paper}, call ${i + 1}`).toBeGreaterThanOrEqual(950);
    }
    for (const app of apps2) expect(await summarized(app)).toBe(0);
  });

  it("an endless answer: feeds do not wait, at most max_workers answers stream at once; recovery once they end", async () => {
    llm.setBehaviour("*", "endless");
    const app = await start();
    await poll(app);
    expect(await readersFor([app], 4000)).toBeLessThan(1000);
    expect(llm.endlessBytes).toBeGreaterThan(0);
    expect(llm.maxInFlight).toBeLessThanOrEqual(ai.max_workers);
    expect((await request(app.url, "/api/health")).status).toBe(200);
    expect(await summarized(app)).toBe(0);

    llm.setBehaviour("*", "ok");
    llm.endOpenAnswers();
    await summariesArrive(app);
  });

  it("an answer of the wrong shape: never shown, the paper retried after its backoff; recovery once answers are right", async () => {
    llm.setBehaviour("*", "wrong-shape");
    const app = await start();
    await poll(app);
    await readersFor([app], 4000);
    const failed = await waitFor("health to report the failed call", async () => {
      const h = await health(app);
      return h.summaries.lastCall?.ok === false ? h : undefined;
    });
    expect(failed.summaries.lastCall?.reason).toBeTruthy();
    for (const path of ["/json", "/rss", "/atom", "/json/cs.CL"]) {
      const answer = await request(app.url, path);
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(WRONG_SHAPE_MARKER);
      expect(answer.text).not.toContain("[object Object]");
    }
    expect(await summarized(app)).toBe(0);
    // AI_SUMMARY_RETRY_SECONDS=1: a paper is not asked again within a second of its failure.
    for (const [paper, at] of byPaper(llm.calls)) {
      for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!, `${paper}, call ${i + 1}`).toBeGreaterThanOrEqual(950);
    }

    llm.setBehaviour("*", "ok");
    await summariesArrive(app);
    const json = await request(app.url, "/json");
    expect(json.text).not.toContain(WRONG_SHAPE_MARKER);
  });
});

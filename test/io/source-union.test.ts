// One arXiv request per union: the due categories of a feed are asked for together, and each category's
// papers are derived from arXiv's union feed; 2,000 items (arXiv's cap) or a category arXiv disowns
// fall back to one request per category. Fake clock (virtual sleep), real HTTP against the fixture server.
import { describe, expect, it } from "vitest";
import { expectedAnnouncementDate } from "../../lib/arxiv/schedule";
import type { CategorySnapshot } from "../../lib/arxiv/source";
import { AppError } from "../../lib/errors";
import { storeKeys } from "../../lib/store/keys";
import { startArxivFixtureServer } from "../servers/arxiv-fixture-server";
import { serverForTests, sourceHarness, TUE_10AM } from "../helpers/io";

const server = serverForTests(startArxivFixtureServer);
const FOUR = ["cs.AI", "cs.CL", "cs.DC", "cs.LG"];
const asked = () => server.requests.map((r) => r.category);

function today(configured = FOUR) {
  const h = sourceHarness(server, TUE_10AM, { configured });
  server.setAnnounceDate(expectedAnnouncementDate(h.clock.now()));
  return h;
}

describe("one request for a union", () => {
  it("four cold categories: one request, and each category's papers exactly as its own feed gives them", async () => {
    const together = today();
    const snapshots = await Promise.all(together.source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);

    // The same categories asked one by one, by another deployment: the very same papers and versions.
    server.reset();
    const alone = today();
    const one: CategorySnapshot[] = [];
    for (const c of FOUR) one.push(await alone.source.load(c));
    expect(asked()).toEqual(FOUR);
    expect(snapshots.map((s) => s.days)).toEqual(one.map((s) => s.days));
    expect(snapshots.map((s) => s.version)).toEqual(one.map((s) => s.version));
    expect(snapshots.map((s) => s.days[0]!.papers.length)).toEqual([352, 241, 2, 112]);
    expect(snapshots.every((s) => s.problem === undefined)).toBe(true);

    // Afterwards each is current on its own: nothing asked again, alone or together.
    server.reset();
    await together.source.load("cs.CL");
    await Promise.all(together.source.loadAll(FOUR));
    expect(asked()).toEqual([]);
  });

  it("only the due ones are asked for: a union with one category due asks for that one", async () => {
    const { source } = today();
    await source.load("cs.DC");
    server.reset();
    await Promise.all(source.loadAll(["cs.AI", "cs.DC"]));
    expect(asked()).toEqual(["cs.AI"]);
  });

  it("a cold ten-category union of other categories: complete after one request, one fetch of the budget", async () => {
    const TEN = ["cs.CV", "cs.RO", "cs.SE", "cs.MA", "cs.NE", "cs.OS", "cs.PL", "cs.IR", "cs.HC", "cs.CR"];
    const h = today();
    const snapshots = await Promise.all(h.source.loadAll(TEN));
    expect(asked()).toEqual([TEN.join("+")]);
    expect(snapshots.every((s) => s.problem === undefined)).toBe(true);
    expect(snapshots[0]!.days[0]!.papers.length).toBeGreaterThan(0);
    const hour = new Date(h.clock.now()).toISOString().slice(0, 13);
    expect(await h.store.get(storeKeys.otherCategoryFetches(hour))).toBe(1);
  });

  it("a union of 2,000 items (arXiv's cap: maybe cut short) → each category asked alone", async () => {
    const { source, log } = today();
    server.setScenario("cs.AI+cs.CL+cs.DC+cs.LG", "items-2000");
    const snapshots = await Promise.all(source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG", ...FOUR]);
    expect(snapshots.map((s) => s.days[0]!.papers.length)).toEqual([352, 241, 2, 112]);
    expect(log.entries.some((e) => e.message.includes("one by one"))).toBe(true);
  });

  it("a union naming a category arXiv disowns → each asked alone; only that one is a 404", async () => {
    const { source } = today(["cs.DC"]);
    server.setScenario("cs.XY", "unknown");
    const [ai, xy] = source.loadAll(["cs.AI", "cs.XY"]);
    const xyError = await xy!.catch((err: unknown) => err);
    expect((await ai!).days[0]!.papers.length).toBe(352);
    expect(asked()).toEqual(["cs.AI+cs.XY", "cs.AI", "cs.XY"]);
    expect(xyError).toBeInstanceOf(AppError);
    expect((xyError as AppError).code).toBe("not_found");
  });

  it("a union arXiv answers 503: one request, one arXiv-wide pause, every category told when to come back", async () => {
    const { source, clock } = today();
    server.setScenario("cs.CL", "http-503"); // Retry-After: 2
    const snapshots = await Promise.all(source.loadAll(FOUR));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
    for (const s of snapshots) {
      expect(s.problem?.reason).toBe("overloaded");
      expect(s.problem!.retryAt).toBe(clock.now() + 300_000); // retrySeconds (300) beats the 2 s asked
    }
    expect((await source.pause())?.until).toBe(new Date(clock.now() + 300_000).toISOString());
  });

  it("50 concurrent readers of the union make one request", async () => {
    const { source } = today();
    await Promise.all(Array.from({ length: 50 }, () => Promise.all(source.loadAll(FOUR))));
    expect(asked()).toEqual(["cs.AI+cs.CL+cs.DC+cs.LG"]);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import { categoryFromUnion, composeDays } from "../../lib/arxiv/compose";
import { parseArxivRss } from "../../lib/arxiv/parse";
import { composeUnionFixture } from "../servers/arxiv-fixture-server";
import type { AnnounceType, AnnouncementDay, Paper } from "../../lib/types";
import { DAY, dayFixture, makePaper, parseFixture } from "../helpers/fixtures";

const UNION = ["cs.AI", "cs.CL", "cs.DC", "cs.LG"];

const oneDay = (papers: Paper[], date = DAY): AnnouncementDay<Paper>[] => [{ date, papers }];
const typeById = (papers: readonly Paper[]) => new Map(papers.map((p) => [p.id, p.announceType] as [string, AnnounceType]));

describe("composeDays: the four 30 Jun 2026 category feeds against arXiv's own union feed", () => {
  let perCategory: Paper[][];
  let arxivUnion: Paper[];
  let composed: AnnouncementDay<Paper>[];

  beforeAll(() => {
    perCategory = UNION.map((c) => parseFixture(dayFixture(c)).papers);
    arxivUnion = parseFixture(dayFixture(UNION.join("+"))).papers;
    composed = composeDays(
      UNION,
      perCategory.map((papers) => oneDay(papers)),
      5,
    );
  });

  it("gives one day, 2026-06-30", () => {
    expect(composed.map((d) => d.date)).toEqual([DAY]);
  });

  it("has exactly the union feed's ids, each once", () => {
    const ids = composed[0]!.papers.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(arxivUnion.map((p) => p.id).sort());
    expect(ids).toHaveLength(525);
  });

  it("gives every paper the announce type arXiv gives it in the union feed", () => {
    const ours = typeById(composed[0]!.papers);
    const mismatches = arxivUnion
      .filter((p) => ours.get(p.id) !== p.announceType)
      .map((p) => `${p.id}: arXiv ${p.announceType}, ours ${ours.get(p.id)}`);
    expect(mismatches).toEqual([]);
  });

  it("has the union's counts per announce type", () => {
    const count = (papers: readonly Paper[]) => {
      const c: Record<string, number> = {};
      for (const p of papers) c[p.announceType] = (c[p.announceType] ?? 0) + 1;
      return c;
    };
    expect(count(composed[0]!.papers)).toEqual({ new: 229, cross: 92, replace: 154, "replace-cross": 50 });
    expect(count(composed[0]!.papers)).toEqual(count(arxivUnion));
  });

  it("keeps the union's versions and metadata", () => {
    const byId = new Map(composed[0]!.papers.map((p) => [p.id, p]));
    for (const p of arxivUnion) {
      const ours = byId.get(p.id)!;
      expect(ours.version).toBe(p.version);
      expect(ours.title).toBe(p.title);
      expect(ours.categories).toEqual(p.categories);
    }
  });

  it("a cs.LG cross-list whose primary is cs.CL is new in the union", () => {
    const lg = perCategory[UNION.indexOf("cs.LG")]!.find((p) => p.id === "2606.30578")!;
    expect(lg.announceType).toBe("cross");
    expect(lg.categories[0]).toBe("cs.CL");
    expect(typeById(composed[0]!.papers).get("2606.30578")).toBe("new");
  });

  it("a cs.DC cross-list whose primary (cs.CV) is outside the union stays cross", () => {
    expect(typeById(composed[0]!.papers).get("2606.29337")).toBe("cross");
  });

  it("does not change the per-category papers it was given", () => {
    const lg = perCategory[UNION.indexOf("cs.LG")]!;
    expect(lg.find((p) => p.id === "2606.30578")!.announceType).toBe("cross");
    expect(lg.every((p) => p.announceType === "cross" || p.announceType === "replace-cross")).toBe(true);
  });
});

describe("composeDays: synthetic unions", () => {
  it("deduplicates by id, keeping the highest version, whichever feed comes first", () => {
    const v1 = makePaper({ id: "2606.11111", version: 1, title: "Old title", categories: ["cs.AI", "cs.LG"] });
    const v3 = { ...v1, version: 3, title: "New title", announceType: "replace" as const };
    for (const order of [
      [v1, v3],
      [v3, v1],
    ]) {
      const [day] = composeDays(["cs.AI", "cs.LG"], order.map((p) => oneDay([p])), 5);
      expect(day!.papers).toHaveLength(1);
      expect(day!.papers[0]!.version).toBe(3);
      expect(day!.papers[0]!.title).toBe("New title");
    }
  });

  it("a paper only announced as a cross-list, whose primary is in the union, becomes new (and replace-cross becomes replace)", () => {
    const cross = makePaper({ id: "2606.22222", announceType: "cross", categories: ["cs.AI", "cs.LG"] });
    const replaceCross = makePaper({ id: "2606.22223", announceType: "replace-cross", version: 2, categories: ["cs.AI", "cs.LG"] });
    const [day] = composeDays(["cs.AI", "cs.LG"], [oneDay([]), oneDay([cross, replaceCross])], 5);
    expect(typeById(day!.papers)).toEqual(
      new Map([
        ["2606.22222", "new"],
        ["2606.22223", "replace"],
      ]),
    );
    expect(cross.announceType).toBe("cross");
  });

  it("a cross-list whose primary is outside the union stays cross (and replace-cross stays replace-cross)", () => {
    const cross = makePaper({ id: "2606.33333", announceType: "cross", categories: ["cs.CV", "cs.LG"] });
    const replaceCross = makePaper({ id: "2606.33334", announceType: "replace-cross", categories: ["math.OC", "cs.LG"] });
    const [day] = composeDays(["cs.AI", "cs.LG"], [oneDay([]), oneDay([cross, replaceCross])], 5);
    expect(typeById(day!.papers)).toEqual(
      new Map([
        ["2606.33333", "cross"],
        ["2606.33334", "replace-cross"],
      ]),
    );
  });

  it('an archive ("cs") counts every cs.* category as in the union', () => {
    const csPrimary = makePaper({ id: "2606.44444", announceType: "cross", categories: ["cs.LG", "stat.ML"] });
    const mathPrimary = makePaper({ id: "2606.44445", announceType: "cross", categories: ["math.ST", "stat.ML"] });
    const [day] = composeDays(["cs", "stat.ML"], [oneDay([]), oneDay([csPrimary, mathPrimary])], 5);
    expect(typeById(day!.papers)).toEqual(
      new Map([
        ["2606.44444", "new"],
        ["2606.44445", "cross"],
      ]),
    );
  });

  it("a paper any feed announced as new stays new, even if its primary is an alias outside the selection (eess.SY = cs.SY)", () => {
    const alias = makePaper({ id: "2606.55555", announceType: "new", categories: ["eess.SY", "cs.SY"] });
    const asCross = { ...alias, announceType: "cross" as const };
    const [day] = composeDays(["cs.SY", "cs.AI"], [oneDay([alias]), oneDay([asCross])], 5);
    expect(typeById(day!.papers).get("2606.55555")).toBe("new");
  });

  it("merges the same day across categories, lists days newest first, and keeps at most daysBack days", () => {
    const a = [
      { date: "2026-06-26", papers: [makePaper({ id: "2606.00026" })] },
      { date: "2026-06-30", papers: [makePaper({ id: "2606.00030" })] },
      { date: "2026-06-29", papers: [makePaper({ id: "2606.00029" })] },
    ];
    const b = [
      { date: "2026-06-25", papers: [makePaper({ id: "2606.00025", categories: ["cs.LG"] })] },
      { date: "2026-06-30", papers: [makePaper({ id: "2606.10030", categories: ["cs.LG"] })] },
    ];
    const all = composeDays(["cs.AI", "cs.LG"], [a, b], 10);
    expect(all.map((d) => d.date)).toEqual(["2026-06-30", "2026-06-29", "2026-06-26", "2026-06-25"]);
    expect(all[0]!.papers.map((p) => p.id).sort()).toEqual(["2606.00030", "2606.10030"]);

    expect(composeDays(["cs.AI", "cs.LG"], [a, b], 3).map((d) => d.date)).toEqual(["2026-06-30", "2026-06-29", "2026-06-26"]);
    expect(composeDays(["cs.AI", "cs.LG"], [a, b], 1).map((d) => d.date)).toEqual(["2026-06-30"]);
  });

  it("a single category's days are returned as they are, capped by daysBack", () => {
    const days = [
      { date: "2026-06-30", papers: [makePaper({ announceType: "cross", categories: ["cs.CV", "cs.AI"] })] },
      { date: "2026-06-29", papers: [makePaper()] },
      { date: "2026-06-26", papers: [makePaper()] },
    ];
    const composed = composeDays(["cs.AI"], [days], 2);
    expect(composed).toEqual(days.slice(0, 2));
    expect(composed[0]!.papers[0]!.announceType).toBe("cross");
  });
});

describe("categoryFromUnion: one request for the union gives every category's feed", () => {
  const union = () => parseFixture(dayFixture(UNION.join("+"))).papers;

  it.each(UNION)("%s: exactly arXiv's own feed of it — papers, announce types, order and every field", (category) => {
    expect(categoryFromUnion(union(), category)).toEqual(parseFixture(dayFixture(category)).papers);
  });

  it("composing the derived feeds back gives exactly the union", () => {
    const derived = UNION.map((c) => oneDay(categoryFromUnion(union(), c)));
    const composed = composeDays(UNION, derived, 5)[0]!.papers;
    const byId = (papers: readonly Paper[]) => new Map(papers.map((p) => [p.id, p]));
    expect(byId(composed)).toEqual(byId(union()));
    expect(composed).toHaveLength(525);
  });

  it("a replacement is a replacement in every category; its primary decides replace or replace-cross", () => {
    const paper = makePaper({ id: "2606.00001", categories: ["cs.CL", "cs.AI"], announceType: "replace" });
    expect(categoryFromUnion([paper], "cs.CL")[0]!.announceType).toBe("replace");
    expect(categoryFromUnion([paper], "cs.AI")[0]!.announceType).toBe("replace-cross");
    expect(categoryFromUnion([paper], "cs.LG")).toEqual([]);
  });

  it("an archive holds its categories; an alias of the primary is new too (eess.SY = cs.SY)", () => {
    const paper = makePaper({ id: "2606.00002", categories: ["eess.SY", "cs.SY", "math.OC"], announceType: "new" });
    expect(categoryFromUnion([paper], "cs.SY")[0]!.announceType).toBe("new");
    expect(categoryFromUnion([paper], "math")[0]!.announceType).toBe("cross");
    expect(categoryFromUnion([paper], "eess")[0]!.announceType).toBe("new");
  });

  it("the fixture server's composed unions are what arXiv serves (the test stand-in is right)", () => {
    const composed = parseArxivRss(composeUnionFixture(UNION)!);
    expect(composed.kind).toBe("feed");
    if (composed.kind !== "feed") return;
    expect(composed.papers).toEqual(union());
    expect(composed.channelCategories).toEqual(UNION);
  });
});

import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config";
import { MAX_CATEGORIES, MAX_LIMIT, parseCategories, parseFeedParams, parsePageParams, profileFields, profileSearch } from "../../lib/params";
import { expectAppError } from "../helpers/fixtures";

const config = parseConfig({
  categories: ["cs.AI", "cs.CL", "cs.DC", "cs.LG"],
  keywords: ["LLM", { term: "Inference", weight: 2 }],
  exclude_keywords: ["survey"],
  match: "prefix",
  title_weight: 0.5,
  min_score: 0,
  announce_types: ["new", "cross"],
  max_papers: 30,
  days_back: 5,
});

const params = (query = "", segments?: string[]) => parseFeedParams(segments, new URLSearchParams(query), config);

describe("parseFeedParams: categories from the path", () => {
  it("no path → the configured categories, allConfigured, the configured profile, not custom", () => {
    for (const segments of [undefined, []]) {
      const p = parseFeedParams(segments, new URLSearchParams(), config);
      expect(p.categories).toEqual(["cs.AI", "cs.CL", "cs.DC", "cs.LG"]);
      expect(p.allConfigured).toBe(true);
      expect(p.profile).toEqual(config.profile);
      expect(p.custom).toBe(false);
    }
  });

  it('"cs.AI+cs.CL" → those two, in that order, not allConfigured', () => {
    const p = params("", ["cs.AI+cs.CL"]);
    expect(p.categories).toEqual(["cs.AI", "cs.CL"]);
    expect(p.allConfigured).toBe(false);
    expect(params("", ["cs.LG+cs.AI"]).categories).toEqual(["cs.LG", "cs.AI"]);
  });

  it('"cs.ai,cs.cl" (any case, commas or spaces) → canonical codes, duplicates dropped', () => {
    expect(params("", ["cs.ai,cs.cl"]).categories).toEqual(["cs.AI", "cs.CL"]);
    expect(params("", ["CS.LG cs.lg+cs.Ai"]).categories).toEqual(["cs.LG", "cs.AI"]);
  });

  it("accepts archives and hyphenated categories", () => {
    expect(params("", ["cs+hep-th+math.co"]).categories).toEqual(["cs", "hep-th", "math.CO"]);
  });

  it("even a path naming exactly the configured categories is not allConfigured", () => {
    expect(params("", ["cs.AI+cs.CL+cs.DC+cs.LG"]).allConfigured).toBe(false);
  });

  it("an unknown category → not_found naming it", () => {
    const err = expectAppError(() => params("", ["cs.AI+cs.FOO"]), "not_found");
    expect(err.message).toContain('"cs.FOO"');
  });

  it(`more than MAX_CATEGORIES (${MAX_CATEGORIES}) categories → bad_request; exactly ${MAX_CATEGORIES} is fine`, () => {
    const eleven = ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG", "cs.RO", "cs.SE", "cs.IR", "cs.NE", "cs.MA", "cs.CR"];
    expect(eleven).toHaveLength(MAX_CATEGORIES + 1);
    const err = expectAppError(() => params("", [eleven.join("+")]), "bad_request");
    expect(err.message).toContain(String(MAX_CATEGORIES));
    expect(params("", [eleven.slice(0, MAX_CATEGORIES).join("+")]).categories).toHaveLength(MAX_CATEGORIES);
  });

  it("repeating a category does not count twice toward the maximum", () => {
    const ten = ["cs.AI", "cs.CL", "cs.CV", "cs.DC", "cs.LG", "cs.RO", "cs.SE", "cs.IR", "cs.NE", "cs.MA"];
    expect(params("", [[...ten, "cs.ai", "CS.AI"].join("+")]).categories).toEqual(ten);
  });

  it("two path segments → not_found", () => {
    expectAppError(() => params("", ["cs.AI", "cs.LG"]), "not_found");
  });
});

describe("parseCategories", () => {
  it("nothing named → undefined (the configured categories)", () => {
    expect(parseCategories(undefined)).toBeUndefined();
    expect(parseCategories([])).toBeUndefined();
    expect(parseCategories(["+"])).toBeUndefined();
  });

  it("canonicalizes and deduplicates", () => {
    expect(parseCategories(["stat.ml+STAT.ML,cs.lg"])).toEqual(["stat.ML", "cs.LG"]);
  });

  it("rejects unknown categories with not_found", () => {
    const err = expectAppError(() => parseCategories(["cs.XX"]), "not_found");
    expect(err.message).toContain("cs.XX");
  });
});

describe("parseFeedParams: keywords and exclusions", () => {
  it("a comma list of keywords replaces the configured ones, weight 1 each", () => {
    expect(params("keywords=diffusion, RLHF").profile.keywords).toEqual([
      { term: "diffusion", weight: 1 },
      { term: "RLHF", weight: 1 },
    ]);
  });

  it("repeated ?keywords=a&keywords=b read as one list", () => {
    expect(params("keywords=a&keywords=b,c").profile.keywords.map((k) => k.term)).toEqual(["a", "b", "c"]);
  });

  it('"term^2" sets a weight, decimals allowed', () => {
    expect(params("keywords=LLM^2,RL^0.5,agents").profile.keywords).toEqual([
      { term: "LLM", weight: 2 },
      { term: "RL", weight: 0.5 },
      { term: "agents", weight: 1 },
    ]);
  });

  it("duplicates are merged case-insensitively, keeping the first spelling and weight", () => {
    expect(params("keywords=LLM^3,llm,Llm^5").profile.keywords).toEqual([{ term: "LLM", weight: 3 }]);
    expect(params("keywords=LLM&keywords=llm").profile.keywords).toHaveLength(1);
  });

  it("an empty keywords= means no keywords (every paper, unranked), and is a custom profile", () => {
    const p = params("keywords=");
    expect(p.profile.keywords).toEqual([]);
    expect(p.custom).toBe(true);
  });

  it("exclude replaces the configured exclusions, deduplicated case-insensitively; exclude= clears them", () => {
    expect(params("exclude=Review,review,tutorial").profile.exclude).toEqual(["Review", "tutorial"]);
    expect(params("exclude=").profile.exclude).toEqual([]);
    expect(params("").profile.exclude).toEqual(["survey"]);
  });

  it.each([
    ["LLM^0", "weight 0"],
    ["LLM^101", "weight above 100"],
    ["^2", "no term"],
  ])('keywords=%s (%s) → bad_request naming "keywords"', (value) => {
    const err = expectAppError(() => params(`keywords=${encodeURIComponent(value)}`), "bad_request");
    expect(err.message).toContain('"keywords"');
  });

  it.each([
    ["LLM^abc", "a weight that is not a number"],
    ["LLM^-1", "a negative weight"],
  ])('keywords=%s (%s) → bad_request naming "keywords", not a literal keyword', (value) => {
    const err = expectAppError(() => params(`keywords=${encodeURIComponent(value)}`), "bad_request");
    expect(err.message).toContain('"keywords"');
  });

  it("control characters in a term → bad_request (they could not be written into XML)", () => {
    expect(expectAppError(() => params("keywords=%01LLM"), "bad_request").message).toContain("control characters");
    expect(expectAppError(() => params("exclude=a%00b"), "bad_request").message).toContain('"exclude"');
  });

  it("too many or too long terms → bad_request", () => {
    const many = Array.from({ length: 51 }, (_, i) => `k${i}`).join(",");
    expect(expectAppError(() => params(`keywords=${many}`), "bad_request").message).toContain('"keywords"');
    expect(expectAppError(() => params(`exclude=${"x".repeat(101)}`), "bad_request").message).toContain('"exclude"');
    expect(params(`keywords=${Array.from({ length: 50 }, (_, i) => `k${i}`).join(",")}`).profile.keywords).toHaveLength(50);
  });
});

describe("parseFeedParams: limit, min_score, types, match", () => {
  it("reads valid values", () => {
    const p = params("limit=500&min_score=1.5&types=NEW,replace&match=WORD");
    expect(p.profile.limit).toBe(MAX_LIMIT);
    expect(p.profile.minScore).toBe(1.5);
    expect(p.profile.announceTypes).toEqual(["new", "replace"]);
    expect(p.profile.match).toBe("word");
  });

  it("types=all → all four announce types", () => {
    expect(params("types=all").profile.announceTypes).toEqual(["new", "cross", "replace", "replace-cross"]);
  });

  it("types lists are deduplicated", () => {
    expect(params("types=cross,new,cross").profile.announceTypes).toEqual(["cross", "new"]);
  });

  it.each([
    ["limit", "0"],
    ["limit", "501"],
    ["limit", "abc"],
    ["limit", "1.5"],
    ["limit", ""],
    ["min_score", "-1"],
    ["min_score", "lots"],
    ["types", "old"],
    ["types", "new,bogus"],
    ["types", ""],
    ["match", "fuzzy"],
  ])("%s=%s → bad_request naming the parameter", (name, value) => {
    const err = expectAppError(() => params(`${name}=${value}`), "bad_request");
    expect(err.message).toContain(`"${name}"`);
  });

  it("title_weight always comes from the config", () => {
    expect(params("keywords=x&limit=3").profile.titleWeight).toBe(0.5);
  });
});

describe("parseFeedParams: custom flag and cache key", () => {
  it("tracking parameters are ignored: not custom, same cache key as no query", () => {
    const plain = params("");
    const tracked = params("utm_source=newsletter&fbclid=bar");
    expect(tracked.custom).toBe(false);
    expect(tracked.profile).toEqual(plain.profile);
    expect(tracked.cacheKey).toBe(plain.cacheKey);
  });

  it("any override parameter makes it custom, even one equal to the configured value", () => {
    for (const q of ["limit=30", "keywords=LLM", "exclude=survey", "min_score=0", "types=new,cross", "match=prefix"]) {
      expect(params(q).custom).toBe(true);
    }
  });

  it("the cache key is stable for the same request and differs when the profile or categories differ", () => {
    const base = params("keywords=LLM&limit=10");
    expect(params("keywords=LLM&limit=10").cacheKey).toBe(base.cacheKey);
    const variants = [
      params("keywords=LLM&limit=11"),
      params("keywords=LLM^2&limit=10"),
      params("keywords=RL&limit=10"),
      params("keywords=LLM&limit=10&match=word"),
      params("keywords=LLM&limit=10&types=all"),
      params("keywords=LLM&limit=10&min_score=1"),
      params("keywords=LLM&limit=10&exclude=review"),
      params("keywords=LLM&limit=10", ["cs.AI"]),
    ];
    const keys = new Set([base.cacheKey, ...variants.map((v) => v.cacheKey)]);
    expect(keys.size).toBe(variants.length + 1);
  });
});

describe("invisible characters in terms", () => {
  it("bidirectional overrides and zero-width spaces are removed from keywords and exclusions", () => {
    const config = parseConfig({ categories: ["cs.AI"] });
    const params = parseFeedParams(undefined, new URLSearchParams("keywords=LL\u202EM,\u200B&exclude=sur\u2066vey"), config);
    expect(params.profile.keywords).toEqual([{ term: "LLM", weight: 1 }]);
    expect(params.profile.exclude).toEqual(["survey"]);
  });
});

describe("page parameters", () => {
  const config = parseConfig({ categories: ["cs.AI", "cs.LG"], keywords: ["LLM", { term: "agent", weight: 2 }] });

  it("day is a real date, or absent", () => {
    expect(parsePageParams(["cs.AI"], new URLSearchParams("day=2026-06-30"), config).day).toBe("2026-06-30");
    expect(parsePageParams(undefined, new URLSearchParams(""), config).day).toBeUndefined();
    for (const bad of ["2026-02-30", "30-06-2026", "yesterday", "2026-6-1"]) {
      expect(expectAppError(() => parsePageParams(undefined, new URLSearchParams(`day=${bad}`), config), "bad_request").message).toMatch(/"day": must be a date/);
    }
  });

  it("the feed's parameters are checked as for the feeds", () => {
    expect(expectAppError(() => parsePageParams(["cs.AI"], new URLSearchParams("limit=0"), config), "bad_request").message).toMatch(/"limit"/);
    expect(expectAppError(() => parsePageParams(["cs.NOPE"], new URLSearchParams(""), config), "not_found").message).toMatch(/Unknown arXiv category/);
  });

  it("profileSearch carries only what differs from the configured profile, and reads back to the same profile", () => {
    const same = parseFeedParams(undefined, new URLSearchParams("keywords=LLM,agent^2&types=new&match=prefix"), config);
    expect(profileSearch(same.profile, config.profile)).toBe("");
    const search = new URLSearchParams("match=word&keywords=diffusion^2,RL&exclude=survey&min_score=1.5&limit=10&types=new,cross");
    const custom = parseFeedParams(undefined, search, config);
    const query = profileSearch(custom.profile, config.profile);
    expect(query).toBe("?keywords=diffusion^2,RL&exclude=survey&min_score=1.5&limit=10&types=new,cross&match=word");
    expect(parseFeedParams(undefined, new URLSearchParams(query.slice(1)), config).profile).toEqual(custom.profile);
  });

  it("profileFields shows a profile the way the form edits it", () => {
    expect(profileFields(config.profile)).toEqual({ keywords: "LLM, agent^2", exclude: "", min_score: "0", limit: "30", match: "prefix", types: ["new"] });
  });
});

describe("unknown query parameters", () => {
  const config = parseConfig({ categories: ["cs.AI"] });
  const parse = (query: string) => parseFeedParams(undefined, new URLSearchParams(query), config);

  it.each([
    ["keyword=LLM", 'Unknown query parameter "keyword": did you mean "keywords"?'],
    ["exclusions=x", 'Unknown query parameter "exclusions": did you mean "exclude"?'],
    ["minscore=2", 'Unknown query parameter "minscore": did you mean "min_score"?'],
    ["Limit=5", 'Unknown query parameter "Limit": did you mean "limit"?'],
    ["type=new", 'Unknown query parameter "type": did you mean "types"?'],
    ["format=atom", 'Unknown query parameter "format": known ones are keywords, exclude, min_score, limit, types, match'],
    ["day=2026-06-30", 'Unknown query parameter "day": known ones are keywords, exclude, min_score, limit, types, match'],
  ])("?%s gets 400: %s", (query, message) => {
    expect(expectAppError(() => parse(query), "bad_request").message).toBe(message);
  });

  it("tracking parameters a link picked up are ignored, not refused", () => {
    expect(parse("utm_source=newsletter&utm_medium=email&fbclid=x&gclid=y").custom).toBe(false);
  });

  it("a very long unknown name is shown cut short", () => {
    expect(expectAppError(() => parse(`${"x".repeat(500)}=1`), "bad_request").message.length).toBeLessThan(200);
  });

  it("the page also knows day", () => {
    expect(parsePageParams(undefined, new URLSearchParams("day=2026-06-30"), config).day).toBe("2026-06-30");
    expect(expectAppError(() => parsePageParams(undefined, new URLSearchParams("dya=2026-06-30"), config), "bad_request").message).toContain('did you mean "day"?');
  });
});

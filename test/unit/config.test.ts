import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import rawConfig from "../../config.json";
import { configSchema, dedupeKeywords, getConfig, ignoredFieldsWarning, parseConfig, parseEnv } from "../../lib/config";
import { expectAppError } from "../helpers/fixtures";

const minimal = { categories: ["cs.LG"] };
const configError = (input: unknown) => expectAppError(() => parseConfig(input), "config");

describe("the shipped config.json", () => {
  it("is valid", () => {
    expect(configSchema.safeParse(rawConfig).success).toBe(true);
    expect(() => parseConfig(rawConfig)).not.toThrow();
  });

  it("getConfig() is config.json, parsed", () => {
    expect(getConfig()).toEqual(parseConfig(rawConfig));
  });

  it("feeds cs.AI, cs.CL, cs.DC and cs.LG, 30 papers a day, 5 days", () => {
    const c = getConfig();
    expect(c.categories).toEqual(["cs.AI", "cs.CL", "cs.DC", "cs.LG"]);
    expect(c.profile.limit).toBe(30);
    expect(c.daysBack).toBe(5);
  });

  it('has "Framework" once and no keyword twice in any case', () => {
    const terms = getConfig().profile.keywords.map((k) => k.term.toLowerCase());
    expect(terms.filter((t) => t === "framework")).toHaveLength(1);
    expect(new Set(terms).size).toBe(terms.length);
    expect(getConfig().profile.keywords.every((k) => k.weight === 1)).toBe(true);
  });

  it("excludes survey, review and tutorial", () => {
    expect(getConfig().profile.exclude).toEqual(expect.arrayContaining(["survey", "review", "tutorial"]));
  });

  it("ranks by prefix with title weight 0.5, new and cross papers", () => {
    const { profile } = getConfig();
    expect(profile.match).toBe("prefix");
    expect(profile.titleWeight).toBe(0.5);
    expect(profile.announceTypes).toEqual(["new", "cross"]);
    expect(profile.minScore).toBe(0);
  });

  it("summarizes with qwen-long, at most 15 papers", () => {
    const { aiSummary } = getConfig();
    expect(aiSummary.model).toBe("qwen-long");
    expect(aiSummary.max_papers_to_summarize).toBe(15);
    expect(aiSummary.enabled).toBe(true);
    expect(aiSummary.api_key_env).toBe("DASHSCOPE_API_KEY");
  });
});

describe("parseConfig: invalid configs name the field", () => {
  it('a keyword weight of 0 → "keywords[1].weight"', () => {
    const err = configError({ ...minimal, keywords: ["LLM", { term: "RL", weight: 0 }] });
    expect(err.message).toContain("keywords[1].weight");
    expect(err.message).toMatch(/^Invalid config\.json/);
  });

  it('an unknown category → "categories[0]" and the category', () => {
    const err = configError({ categories: ["cs.FOO"] });
    expect(err.message).toContain("categories[0]");
    expect(err.message).toContain("cs.FOO");
  });

  it("unknown fields are named, at the top level and inside ai_summary or a keyword", () => {
    const err = configError({ ...minimal, max_paper: 10, ai_summary: { modle: "x" }, keywords: [{ term: "a", weight: 1, boost: 2 }] });
    expect(err.message).toContain('unknown field "max_paper"');
    expect(err.message).toContain('ai_summary: unknown field "modle"');
    expect(err.message).toContain('keywords[0]: unknown field "boost"');
  });

  it("lists every problem, one line each", () => {
    const err = configError({ categories: ["cs.AI", "nope"], match: "fuzzy", max_papers: 0, announce_types: ["new", "old"] });
    for (const path of ["categories[1]", "match", "max_papers", "announce_types[1]"]) expect(err.message).toContain(`  - ${path}:`);
  });

  it.each([
    ["no categories", { categories: [] }, "categories"],
    ["categories missing", {}, "categories"],
    ["an empty keyword", { ...minimal, keywords: ["LLM", "  "] }, "keywords[1]"],
    ["a keyword that is a number", { ...minimal, keywords: [3] }, "keywords[0]"],
    ["a weight above 100", { ...minimal, keywords: [{ term: "a", weight: 101 }] }, "keywords[0].weight"],
    ["a fractional max_papers", { ...minimal, max_papers: 1.5 }, "max_papers"],
    ["a negative title_weight", { ...minimal, title_weight: -1 }, "title_weight"],
    ["days_back above 30", { ...minimal, days_back: 31 }, "days_back"],
    ["an empty exclusion", { ...minimal, exclude_keywords: [""] }, "exclude_keywords[0]"],
    ["a bad ai_summary.base_url", { ...minimal, ai_summary: { base_url: "not a url" } }, "ai_summary.base_url"],
    ["a bad ai_summary.api_key_env", { ...minimal, ai_summary: { api_key_env: "MY-KEY" } }, "ai_summary.api_key_env"],
  ])("%s → AppError config naming %s", (_name, input, path) => {
    expect(configError(input).message).toContain(path);
  });

  it("not an object at all → AppError config", () => {
    configError(null);
    configError("categories: cs.AI");
  });

  it("names the source it was given", () => {
    expect(expectAppError(() => parseConfig({}, "my-config.json"), "config").message).toMatch(/^Invalid my-config\.json/);
  });
});

describe("parseConfig: defaults and normalization", () => {
  it("applies defaults when fields are omitted", () => {
    const c = parseConfig(minimal);
    expect(c.profile).toEqual({
      keywords: [],
      exclude: [],
      match: "prefix",
      minScore: 0,
      titleWeight: 0.5,
      announceTypes: ["new"],
      limit: 30,
    });
    expect(c.daysBack).toBe(5);
    expect(c.aiSummary.enabled).toBe(false);
  });

  it('keywords may be strings (weight 1) or {"term", "weight"}, trimmed', () => {
    expect(parseConfig({ ...minimal, keywords: [" LLM ", { term: "RLHF", weight: 2.5 }] }).profile.keywords).toEqual([
      { term: "LLM", weight: 1 },
      { term: "RLHF", weight: 2.5 },
    ]);
  });

  it("merges duplicate keywords case-insensitively, keeping the first spelling and weight", () => {
    expect(parseConfig({ ...minimal, keywords: ["Framework", { term: "framework", weight: 5 }, "RL", "FRAMEWORK"] }).profile.keywords).toEqual([
      { term: "Framework", weight: 1 },
      { term: "RL", weight: 1 },
    ]);
    expect(parseConfig({ ...minimal, keywords: [{ term: "llm", weight: 4 }, "LLM"] }).profile.keywords).toEqual([{ term: "llm", weight: 4 }]);
  });

  it("merges duplicate exclusions, categories (canonicalized) and announce types", () => {
    const c = parseConfig({
      categories: ["cs.ai", "CS.AI", "cs.LG"],
      exclude_keywords: ["Survey", "survey"],
      announce_types: ["new", "cross", "new"],
    });
    expect(c.categories).toEqual(["cs.AI", "cs.LG"]);
    expect(c.profile.exclude).toEqual(["Survey"]);
    expect(c.profile.announceTypes).toEqual(["new", "cross"]);
  });
});

describe("dedupeKeywords", () => {
  it("keeps the first of each case-insensitive term, in order", () => {
    expect(
      dedupeKeywords([
        { term: "MoE", weight: 2 },
        { term: "LLM", weight: 1 },
        { term: "moe", weight: 9 },
        { term: "MOE", weight: 1 },
      ]),
    ).toEqual([
      { term: "MoE", weight: 2 },
      { term: "LLM", weight: 1 },
    ]);
  });
});

describe("parseEnv", () => {
  it("defaults to arXiv's RSS at one request every 3 s", () => {
    const env = parseEnv({});
    expect(env.arxivRssUrl).toBe("https://rss.arxiv.org/rss");
    expect(env.arxivMinIntervalMs).toBe(3000);
    expect(env.deploymentId).toBe("local");
  });

  it("never asks arXiv more often than every 3 s, whatever ARXIV_MIN_INTERVAL_MS says", () => {
    expect(parseEnv({ ARXIV_MIN_INTERVAL_MS: "500" }).arxivMinIntervalMs).toBe(3000);
    expect(parseEnv({ ARXIV_RSS_URL: "https://rss.arxiv.org/rss", ARXIV_MIN_INTERVAL_MS: "0" }).arxivMinIntervalMs).toBe(3000);
    expect(parseEnv({ ARXIV_RSS_URL: "https://export.arxiv.org/rss", ARXIV_MIN_INTERVAL_MS: "1000" }).arxivMinIntervalMs).toBe(3000);
    expect(parseEnv({ ARXIV_RSS_URL: "https://ARXIV.ORG/rss", ARXIV_MIN_INTERVAL_MS: "1000" }).arxivMinIntervalMs).toBe(3000);
  });

  it("keeps a slower interval for arXiv", () => {
    expect(parseEnv({ ARXIV_MIN_INTERVAL_MS: "5000" }).arxivMinIntervalMs).toBe(5000);
  });

  it("lets a local stand-in (127.0.0.1) be asked faster", () => {
    const env = parseEnv({ ARXIV_RSS_URL: "http://127.0.0.1:4010/rss/", ARXIV_MIN_INTERVAL_MS: "0" });
    expect(env.arxivMinIntervalMs).toBe(0);
    expect(env.arxivRssUrl).toBe("http://127.0.0.1:4010/rss");
  });

  it("a URL that is not http(s) → AppError config naming ARXIV_RSS_URL", () => {
    for (const url of ["not a url", "ftp://rss.arxiv.org/rss"]) {
      expect(expectAppError(() => parseEnv({ ARXIV_RSS_URL: url }), "config").message).toContain("ARXIV_RSS_URL");
    }
  });

  it("a bad number → AppError config naming the variable", () => {
    expect(expectAppError(() => parseEnv({ ARXIV_TIMEOUT_MS: "soon" }), "config").message).toContain("ARXIV_TIMEOUT_MS");
    expect(expectAppError(() => parseEnv({ ARXIV_MIN_INTERVAL_MS: "-5" }), "config").message).toContain("ARXIV_MIN_INTERVAL_MS");
  });

  it("empty or blank strings count as unset", () => {
    const env = parseEnv({ ARXIV_RSS_URL: "", ARXIV_MIN_INTERVAL_MS: "  ", SITE_URL: "", ARXIV_TIMEOUT_MS: "", VERCEL_DEPLOYMENT_ID: "" });
    expect(env).toEqual(parseEnv({}));
    expect(env.siteUrl).toBeUndefined();
  });

  it("the deployment id comes from Vercel when set", () => {
    expect(parseEnv({ VERCEL_DEPLOYMENT_ID: "dpl_1", VERCEL_GIT_COMMIT_SHA: "abc" }).deploymentId).toBe("dpl_1");
    expect(parseEnv({ VERCEL_GIT_COMMIT_SHA: "abc" }).deploymentId).toBe("abc");
  });
});

describe("the old bot's config.json files load unchanged", () => {
  const legacy = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/legacy-config/${name}`, import.meta.url), "utf8")) as Record<string, unknown>;

  it.each(["config-last.json", "config-earlier.json"])("%s: accepted, its unused fields named once", (name) => {
    const raw = legacy(name);
    const config = parseConfig(raw);
    expect(config.categories).toEqual(["cs.AI", "cs.CL", "cs.DC", "cs.LG"]);
    expect(config.profile.keywords.map((k) => k.term)).toEqual(raw.keywords);
    expect(config.profile.minScore).toBe(2.5);
    expect(config.daysBack).toBe(7);
    expect(config.ignoredFields).toEqual(["enable_deduplication", "deduplication_methods", "fetch_ratings", "display_limit"]);
    expect(ignoredFieldsWarning(config)).toBe(
      "config.json: ignoring the old bot's fields enable_deduplication (papers are always deduplicated by arXiv id), deduplication_methods (papers are always deduplicated by arXiv id), fetch_ratings (no ratings are fetched), display_limit (each feed holds max_papers a day for days_back days)",
    );
  });

  it("the last one keeps its AI summary settings", () => {
    const config = parseConfig(legacy("config-last.json"));
    expect(config.aiSummary).toMatchObject({ enabled: true, api_key_env: "DASHSCOPE_API_KEY", model: "qwen-long", max_papers_to_summarize: 15, max_workers: 3 });
  });

  it("a field neither the old bot nor this service knows is still an error naming it", () => {
    const err = expectAppError(() => parseConfig({ ...legacy("config-earlier.json"), dedupe: true }), "config");
    expect(err.message).toContain('unknown field "dedupe"');
  });

  it("the shipped config has no ignored fields, so no warning", () => {
    expect(ignoredFieldsWarning(getConfig())).toBeUndefined();
  });
});

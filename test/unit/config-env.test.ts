// The environment (KV credentials, AI summary overrides, CRON_SECRET, arXiv's HTML host) and config.json's
// ai_summary fields: what is read, what is defaulted, and what is refused with the field named.
import { describe, expect, it } from "vitest";
import { parseConfig, parseEnv } from "../../lib/config";
import { expectAppError } from "../helpers/fixtures";

describe("parseEnv: KV credentials", () => {
  it("no KV variables → no KV (the in-process store)", () => {
    expect(parseEnv({}).kv).toBeUndefined();
  });

  it("reads Vercel's KV_REST_API_URL / KV_REST_API_TOKEN, with the default 2000 ms timeout", () => {
    const env = parseEnv({ KV_REST_API_URL: "https://eager-kv-12345.upstash.io/", KV_REST_API_TOKEN: "AXyz-token" });
    expect(env.kv).toEqual({ url: "https://eager-kv-12345.upstash.io", token: "AXyz-token", timeoutMs: 2000 });
  });

  it("reads Upstash's UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN", () => {
    const env = parseEnv({ UPSTASH_REDIS_REST_URL: "https://up-1.upstash.io", UPSTASH_REDIS_REST_TOKEN: "up-token" });
    expect(env.kv).toEqual({ url: "https://up-1.upstash.io", token: "up-token", timeoutMs: 2000 });
  });

  it("prefers the KV_REST_API_* pair when both pairs are set, never mixing them", () => {
    const env = parseEnv({
      KV_REST_API_URL: "https://vercel-kv.upstash.io",
      KV_REST_API_TOKEN: "vercel-token",
      UPSTASH_REDIS_REST_URL: "https://other.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "other-token",
    });
    expect(env.kv).toEqual({ url: "https://vercel-kv.upstash.io", token: "vercel-token", timeoutMs: 2000 });
  });

  it("KV_TIMEOUT_MS sets the per-command timeout, within bounds", () => {
    const base = { KV_REST_API_URL: "http://127.0.0.1:8079", KV_REST_API_TOKEN: "t" };
    expect(parseEnv({ ...base, KV_TIMEOUT_MS: "750" }).kv?.timeoutMs).toBe(750);
    expect(expectAppError(() => parseEnv({ ...base, KV_TIMEOUT_MS: "10" }), "config").message).toContain("KV_TIMEOUT_MS");
    expect(expectAppError(() => parseEnv({ ...base, KV_TIMEOUT_MS: "soon" }), "config").message).toContain("KV_TIMEOUT_MS");
  });

  it.each([
    ["KV_REST_API_URL without its token", { KV_REST_API_URL: "https://kv.upstash.io" }],
    ["KV_REST_API_TOKEN without its URL", { KV_REST_API_TOKEN: "t" }],
    ["UPSTASH_REDIS_REST_URL without its token", { UPSTASH_REDIS_REST_URL: "https://up.upstash.io" }],
    ["UPSTASH_REDIS_REST_TOKEN without its URL", { UPSTASH_REDIS_REST_TOKEN: "t" }],
    ["a URL with the other pair's token", { KV_REST_API_URL: "https://kv.upstash.io", UPSTASH_REDIS_REST_TOKEN: "t" }],
    ["a URL with a blank token", { KV_REST_API_URL: "https://kv.upstash.io", KV_REST_API_TOKEN: "   " }],
  ])("refuses %s: AppError config naming the variables", (_name, env) => {
    const err = expectAppError(() => parseEnv(env), "config");
    expect(err.message).toContain("KV_REST_API_URL");
    expect(err.message).toContain("KV_REST_API_TOKEN");
    expect(err.message).toContain("UPSTASH_REDIS_REST_URL");
    expect(err.message).toContain("UPSTASH_REDIS_REST_TOKEN");
  });

  it("refuses a KV URL that is not http(s), naming the variable", () => {
    for (const [name, url] of [
      ["KV_REST_API_URL", "redis://default:pw@kv.upstash.io:6379"],
      ["UPSTASH_REDIS_REST_URL", "not a url"],
    ] as const) {
      const token = name === "KV_REST_API_URL" ? "KV_REST_API_TOKEN" : "UPSTASH_REDIS_REST_TOKEN";
      expect(expectAppError(() => parseEnv({ [name]: url, [token]: "t" }), "config").message).toContain(name);
    }
  });

  it("empty strings count as unset (as in Vercel's environment editor)", () => {
    expect(parseEnv({ KV_REST_API_URL: "", KV_REST_API_TOKEN: "", UPSTASH_REDIS_REST_URL: " ", UPSTASH_REDIS_REST_TOKEN: "" }).kv).toBeUndefined();
    expect(
      parseEnv({ KV_REST_API_URL: "", KV_REST_API_TOKEN: "", UPSTASH_REDIS_REST_URL: "https://up.upstash.io", UPSTASH_REDIS_REST_TOKEN: "u" }).kv,
    ).toEqual({ url: "https://up.upstash.io", token: "u", timeoutMs: 2000 });
  });
});

describe("parseEnv: AI summaries, cron and arXiv's HTML host", () => {
  it("passes AI_SUMMARY_BASE_URL (without a trailing slash) and AI_SUMMARY_MODEL (trimmed) through", () => {
    const env = parseEnv({ AI_SUMMARY_BASE_URL: "http://127.0.0.1:4100/v1/", AI_SUMMARY_MODEL: "  qwen-long  " });
    expect(env.aiSummaryBaseUrl).toBe("http://127.0.0.1:4100/v1");
    expect(env.aiSummaryModel).toBe("qwen-long");
  });

  it("leaves them undefined when unset or blank, so config.json's values apply", () => {
    for (const vars of [{}, { AI_SUMMARY_BASE_URL: "", AI_SUMMARY_MODEL: "   " }]) {
      const env = parseEnv(vars);
      expect(env.aiSummaryBaseUrl).toBeUndefined();
      expect(env.aiSummaryModel).toBeUndefined();
    }
  });

  it("refuses an AI_SUMMARY_BASE_URL that is not http(s), naming it", () => {
    expect(expectAppError(() => parseEnv({ AI_SUMMARY_BASE_URL: "file:///etc/passwd" }), "config").message).toContain("AI_SUMMARY_BASE_URL");
  });

  it("AI_SUMMARY_RETRY_SECONDS defaults to 900 and is validated", () => {
    expect(parseEnv({}).aiSummaryRetrySeconds).toBe(900);
    expect(parseEnv({ AI_SUMMARY_RETRY_SECONDS: "60" }).aiSummaryRetrySeconds).toBe(60);
    expect(expectAppError(() => parseEnv({ AI_SUMMARY_RETRY_SECONDS: "0" }), "config").message).toContain("AI_SUMMARY_RETRY_SECONDS");
  });

  it("passes CRON_SECRET through; unset or blank means none", () => {
    expect(parseEnv({ CRON_SECRET: "0123456789abcdef" }).cronSecret).toBe("0123456789abcdef");
    expect(parseEnv({}).cronSecret).toBeUndefined();
    expect(parseEnv({ CRON_SECRET: "" }).cronSecret).toBeUndefined();
    expect(parseEnv({ CRON_SECRET: "   " }).cronSecret).toBeUndefined();
  });

  it("only the dev server says so: NODE_ENV given to the process changes nothing", () => {
    expect(parseEnv({ NODE_ENV: "development" }).devServer).toBe(false);
    expect(parseEnv({}).devServer).toBe(false);
    expect(parseEnv({}, { devServer: true }).devServer).toBe(true);
  });

  it("X-Forwarded-* are trusted on Vercel or with TRUST_PROXY=1, never by default", () => {
    expect(parseEnv({}).trustForwardedHeaders).toBe(false);
    expect(parseEnv({ VERCEL: "1" }).trustForwardedHeaders).toBe(true);
    expect(parseEnv({ TRUST_PROXY: "1" }).trustForwardedHeaders).toBe(true);
    expect(parseEnv({ TRUST_PROXY: "0" }).trustForwardedHeaders).toBe(false);
    expect(() => parseEnv({ TRUST_PROXY: "yes please" })).toThrow(/TRUST_PROXY: must be "1" or "0"/);
  });

  it("the API key named by config.json is available in secrets", () => {
    expect(parseEnv({ DASHSCOPE_API_KEY: "sk-123" }).secrets.DASHSCOPE_API_KEY).toBe("sk-123");
    expect(parseEnv({ DASHSCOPE_API_KEY: "" }).secrets.DASHSCOPE_API_KEY).toBeUndefined();
  });

  it("arXiv's HTML host defaults to https://arxiv.org/html, asked at most every 3 s", () => {
    const env = parseEnv({});
    expect(env.arxivHtmlUrl).toBe("https://arxiv.org/html");
    expect(env.arxivHtmlMinIntervalMs).toBe(3000);
  });

  it("keeps the 3000 ms floor for arXiv's HTML host whatever ARXIV_MIN_INTERVAL_MS says", () => {
    for (const ms of ["0", "500", "2999"]) expect(parseEnv({ ARXIV_MIN_INTERVAL_MS: ms }).arxivHtmlMinIntervalMs).toBe(3000);
    for (const url of ["https://arxiv.org/html", "https://ARXIV.org/html/", "http://export.arxiv.org/html", "https://www.arxiv.org/html"]) {
      expect(parseEnv({ ARXIV_HTML_URL: url, ARXIV_MIN_INTERVAL_MS: "0" }).arxivHtmlMinIntervalMs, url).toBe(3000);
    }
    // A local RSS stand-in does not lift the floor for the real HTML host.
    const mixed = parseEnv({ ARXIV_RSS_URL: "http://127.0.0.1:4010/rss", ARXIV_MIN_INTERVAL_MS: "0" });
    expect(mixed.arxivMinIntervalMs).toBe(0);
    expect(mixed.arxivHtmlMinIntervalMs).toBe(3000);
  });

  it("a slower interval is kept for the HTML host too", () => {
    expect(parseEnv({ ARXIV_MIN_INTERVAL_MS: "5000" }).arxivHtmlMinIntervalMs).toBe(5000);
  });

  it("lets a local HTML stand-in (127.0.0.1) be asked faster", () => {
    const env = parseEnv({ ARXIV_HTML_URL: "http://127.0.0.1:4010/html/", ARXIV_MIN_INTERVAL_MS: "0" });
    expect(env.arxivHtmlUrl).toBe("http://127.0.0.1:4010/html");
    expect(env.arxivHtmlMinIntervalMs).toBe(0);
    // ... while the RSS host, still arXiv, keeps its floor.
    expect(env.arxivMinIntervalMs).toBe(3000);
  });

  it("a look-alike host is not arXiv, and arXiv under another name still is", () => {
    expect(parseEnv({ ARXIV_HTML_URL: "https://notarxiv.org/html", ARXIV_MIN_INTERVAL_MS: "0" }).arxivHtmlMinIntervalMs).toBe(0);
    expect(parseEnv({ ARXIV_HTML_URL: "https://arxiv.org.evil.example/html", ARXIV_MIN_INTERVAL_MS: "0" }).arxivHtmlMinIntervalMs).toBe(0);
  });

  it("refuses an ARXIV_HTML_URL that is not http(s), naming it", () => {
    expect(expectAppError(() => parseEnv({ ARXIV_HTML_URL: "ftp://arxiv.org/html" }), "config").message).toContain("ARXIV_HTML_URL");
  });
});

describe("parseConfig: ai_summary", () => {
  const DEFAULTS = {
    enabled: false,
    api_key_env: "OPENAI_API_KEY",
    base_url: "https://api.openai.com/v1",
    model: "gpt-4o-mini",
    prompt_file: "ai_summary_prompt.txt",
    max_papers_to_summarize: 15,
    max_workers: 3,
    source: "abstract",
    summaries_per_request: 3,
    max_summaries_per_day: 100,
    max_output_tokens: 2048,
    fulltext_max_tokens: 12_000,
    timeout_seconds: 90,
  };

  it("defaults every field when ai_summary is missing, empty, or only enables summaries", () => {
    expect(parseConfig({ categories: ["cs.AI"] }).aiSummary).toEqual(DEFAULTS);
    expect(parseConfig({ categories: ["cs.AI"], ai_summary: {} }).aiSummary).toEqual(DEFAULTS);
    const enabled = parseConfig({ categories: ["cs.AI"], ai_summary: { enabled: true } }).aiSummary;
    expect(enabled).toEqual({ ...DEFAULTS, enabled: true });
    // language is optional: absent, not an empty string.
    expect(enabled).not.toHaveProperty("language");
    expect(enabled.language).toBeUndefined();
  });

  it("accepts every new field", () => {
    const ai = parseConfig({
      categories: ["cs.AI"],
      ai_summary: {
        enabled: true,
        language: "  English ",
        source: "fulltext",
        summaries_per_request: 0,
        max_summaries_per_day: 10_000,
        max_output_tokens: 64,
        fulltext_max_tokens: 200_000,
        timeout_seconds: 600,
      },
    }).aiSummary;
    expect(ai).toMatchObject({
      language: "English",
      source: "fulltext",
      summaries_per_request: 0,
      max_summaries_per_day: 10_000,
      max_output_tokens: 64,
      fulltext_max_tokens: 200_000,
      timeout_seconds: 600,
    });
    expect(parseConfig({ categories: ["cs.AI"], ai_summary: { source: "abstract", language: "中文" } }).aiSummary).toMatchObject({
      source: "abstract",
      language: "中文",
    });
  });

  it.each([
    ["source", "pdf"],
    ["source", "Abstract"],
    ["source", ""],
    ["summaries_per_request", -1],
    ["summaries_per_request", 1.5],
    ["summaries_per_request", 21],
    ["summaries_per_request", "3"],
    ["language", ""],
    ["language", "   "],
    ["language", "x".repeat(41)],
    ["language", 7],
    ["max_summaries_per_day", -1],
    ["max_summaries_per_day", 10_001],
    ["max_summaries_per_day", 2.5],
    ["max_output_tokens", 63],
    ["max_output_tokens", 32_001],
    ["fulltext_max_tokens", 499],
    ["fulltext_max_tokens", 200_001],
    ["timeout_seconds", 0],
    ["timeout_seconds", 4],
    ["timeout_seconds", 601],
    ["timeout_seconds", "90"],
  ] as const)("refuses ai_summary.%s = %j, naming the field", (field, value) => {
    const err = expectAppError(() => parseConfig({ categories: ["cs.AI"], ai_summary: { enabled: true, [field]: value } }), "config");
    expect(err.message).toContain(`ai_summary.${field}`);
    expect(err.message).toContain("config.json");
  });

  it("refuses an unknown ai_summary field, naming it", () => {
    const err = expectAppError(() => parseConfig({ categories: ["cs.AI"], ai_summary: { sumaries_per_request: 3 } }), "config");
    expect(err.message).toContain("ai_summary");
    expect(err.message).toContain('"sumaries_per_request"');
  });

  it("lists every bad ai_summary field at once", () => {
    const err = expectAppError(
      () => parseConfig({ categories: ["cs.AI"], ai_summary: { source: "pdf", summaries_per_request: -1, language: "" } }),
      "config",
    );
    for (const field of ["ai_summary.source", "ai_summary.summaries_per_request", "ai_summary.language"]) expect(err.message).toContain(field);
  });
});

// config.json and the environment, each parsed once with zod. Nothing else reads process.env.
import { z } from "zod";
import rawConfig from "../config.json";
import { canonicalCategory } from "./arxiv/categories";
import { AppError } from "./errors";
import { ANNOUNCE_TYPES, MATCH_MODES, type Keyword, type RankProfile } from "./types";

const categorySchema = z.string().transform((value, ctx) => {
  const code = canonicalCategory(value);
  if (!code) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not an arXiv category (e.g. cs.LG, math.CO, hep-th)` });
    return z.NEVER;
  }
  return code;
});

const keywordSchema = z.union(
  [
    z.string().trim().min(1, "a keyword cannot be empty"),
    z.strictObject({
      term: z.string().trim().min(1, "a keyword cannot be empty"),
      weight: z.number().positive("a keyword's weight must be greater than 0").max(100),
    }),
  ],
  { error: 'a keyword is a string or {"term": string, "weight": number}' },
);

const aiSummarySchema = z.strictObject({
  enabled: z.boolean().default(false),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the name of an environment variable")
    .default("OPENAI_API_KEY"),
  base_url: z.url().default("https://api.openai.com/v1"),
  model: z.string().min(1).default("gpt-4o-mini"),
  prompt_file: z.string().min(1).default("ai_summary_prompt.txt"),
  max_papers_to_summarize: z.number().int().min(0).max(200).default(15),
  max_workers: z.number().int().min(1).max(16).default(3),
  /** Ask for the summary in this language (e.g. "English") whatever the prompt's own language. */
  language: z.string().trim().min(1).max(40).optional(),
  /** What the model reads: title and abstract, or the paper's arXiv HTML full text (abstract if none). */
  source: z.enum(["abstract", "fulltext"]).default("abstract"),
  /** Missing summaries one feed request may start (after responding). */
  summaries_per_request: z.number().int().min(0).max(20).default(3),
  /** LLM calls per day (US Eastern), across all instances. */
  max_summaries_per_day: z.number().int().min(0).max(10_000).default(100),
  max_output_tokens: z.number().int().min(64).max(32_000).default(2048),
  /** How much of a paper's full text is sent, in tokens (about 4 characters each). */
  fulltext_max_tokens: z.number().int().min(500).max(200_000).default(12_000),
  timeout_seconds: z.number().int().min(5).max(600).default(90),
});
export type AiSummaryConfig = z.output<typeof aiSummarySchema>;

export const configSchema = z.strictObject({
  categories: z.array(categorySchema).min(1, "list at least one arXiv category").max(50),
  keywords: z.array(keywordSchema).max(500).default([]),
  exclude_keywords: z.array(z.string().trim().min(1, "a keyword cannot be empty")).max(500).default([]),
  match: z.enum(MATCH_MODES).default("prefix"),
  title_weight: z.number().min(0).max(100).default(0.5),
  min_score: z.number().min(0).default(0),
  announce_types: z.array(z.enum(ANNOUNCE_TYPES)).min(1).default(["new"]),
  max_papers: z.number().int().min(1).max(2000).default(30),
  days_back: z.number().int().min(1).max(30).default(5),
  /** Serve feeds of config.json's categories only: any other category is a 404, and arXiv is never asked for it. */
  only_configured_categories: z.boolean().default(false),
  ai_summary: aiSummarySchema.default(aiSummarySchema.parse({})),
  // The old bot's fields this service has no use for: accepted so its config.json starts as it is, and
  // named in a start-up warning (LEGACY_FIELDS).
  enable_deduplication: z.boolean().optional(),
  deduplication_methods: z.array(z.string()).optional(),
  fetch_ratings: z.boolean().optional(),
  display_limit: z.number().optional(),
});

/** Fields of the old bot's config.json that are read and ignored, and why. */
export const LEGACY_FIELDS: Record<string, string> = {
  enable_deduplication: "papers are always deduplicated by arXiv id",
  deduplication_methods: "papers are always deduplicated by arXiv id",
  fetch_ratings: "no ratings are fetched",
  display_limit: "each feed holds max_papers a day for days_back days",
};

export interface AppConfig {
  /** Old-bot fields present in the file that this service ignores (for one start-up warning). */
  ignoredFields: string[];
  categories: string[];
  /** The default profile: what `/rss` and `/rss/{cats}` rank by when no query overrides it. */
  profile: RankProfile;
  daysBack: number;
  onlyConfiguredCategories: boolean;
  aiSummary: AiSummaryConfig;
}

/** Merges duplicates case-insensitively, keeping the first spelling and weight (the old bot counted them twice). */
export function dedupeKeywords(keywords: readonly Keyword[]): Keyword[] {
  const seen = new Set<string>();
  return keywords.filter(({ term }) => {
    const key = term.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function dedupeTerms(terms: readonly string[]): string[] {
  return dedupeKeywords(terms.map((term) => ({ term, weight: 1 }))).map((k) => k.term);
}

/** "keywords[3].weight: must be greater than 0" lines, one per problem. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
        "",
      );
      const message =
        issue.code === "unrecognized_keys"
          ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
          : issue.message;
      return `  - ${path || "(top level)"}: ${message}`;
    })
    .join("\n");
}

export function parseConfig(input: unknown, source = "config.json"): AppConfig {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new AppError("config", `Invalid ${source}:\n${formatIssues(result.error)}`);
  }
  const c = result.data;
  const keywords = dedupeKeywords(c.keywords.map((k) => (typeof k === "string" ? { term: k, weight: 1 } : k)));
  return {
    ignoredFields: Object.keys(LEGACY_FIELDS).filter((field) => field in (input as object)),
    categories: [...new Set(c.categories)],
    profile: {
      keywords,
      exclude: dedupeTerms(c.exclude_keywords),
      match: c.match,
      minScore: c.min_score,
      titleWeight: c.title_weight,
      announceTypes: [...new Set(c.announce_types)],
      limit: c.max_papers,
    },
    daysBack: c.days_back,
    onlyConfiguredCategories: c.only_configured_categories,
    aiSummary: c.ai_summary,
  };
}

let cachedConfig: AppConfig | undefined;

/** One line naming the old bot's fields the file has and this service ignores, or undefined. */
export function ignoredFieldsWarning(config: AppConfig, source = "config.json"): string | undefined {
  if (config.ignoredFields.length === 0) return undefined;
  const why = config.ignoredFields.map((f) => `${f} (${LEGACY_FIELDS[f]})`).join(", ");
  return `${source}: ignoring the old bot's ${config.ignoredFields.length > 1 ? "fields" : "field"} ${why}`;
}

/** The deployed config.json, validated once; an invalid file fails start-up (next.config.ts calls this). */
export function getConfig(): AppConfig {
  cachedConfig ??= parseConfig(rawConfig);
  return cachedConfig;
}

const ARXIV_HOSTS = /(^|\.)arxiv\.org$/i;
const ARXIV_MIN_INTERVAL_MS = 3000;

const optionalUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((u) => u.replace(/\/+$/, ""))
  .optional();

const envSchema = z.object({
  ARXIV_RSS_URL: optionalUrl,
  ARXIV_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  ARXIV_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  ARXIV_MAX_WAIT_MS: z.coerce.number().int().min(0).max(300_000).default(25_000),
  ARXIV_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  ARXIV_OTHER_FETCHES_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(30),
  ARXIV_STALE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  SITE_URL: optionalUrl,
  VERCEL: z.string().optional(),
  VERCEL_DEPLOYMENT_ID: z.string().optional(),
  VERCEL_GIT_COMMIT_SHA: z.string().optional(),
  KV_REST_API_URL: optionalUrl,
  KV_REST_API_TOKEN: z.string().optional(),
  UPSTASH_REDIS_REST_URL: optionalUrl,
  UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
  KV_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  AI_SUMMARY_BASE_URL: optionalUrl,
  AI_SUMMARY_MODEL: z.string().trim().min(1).optional(),
  AI_SUMMARY_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  ARXIV_HTML_URL: optionalUrl,
  CRON_SECRET: z.string().optional(),
  TRUST_PROXY: z.enum(["0", "1", "true", "false"], { error: 'must be "1" or "0"' }).optional(),
});

/** Every environment variable the service reads (besides the model key config.json names). */
export const ENV_NAMES = Object.keys(envSchema.shape);

export interface AppEnv {
  arxivRssUrl: string;
  /** Minimum gap between two arXiv requests, across all instances. */
  arxivMinIntervalMs: number;
  arxivTimeoutMs: number;
  /** How long one request may wait for its turn at arXiv before serving what it has. */
  arxivMaxWaitMs: number;
  /** Wait before asking arXiv again after a failure or a feed that is not yet updated. */
  arxivRetrySeconds: number;
  /** arXiv fetches per hour, across instances, for categories not in config.json. */
  arxivOtherFetchesPerHour: number;
  /** How long a reader with papers cached waits for a due refresh before getting those papers. */
  arxivStaleWaitMs: number;
  siteUrl?: string;
  /** Identifies this deployment, so that a new deployment never answers 304 to the old one's ETags. */
  deploymentId: string;
  /** Running on Vercel (serverless: an in-process store does not outlive one instance). */
  onVercel: boolean;
  /** X-Forwarded-Host/-Proto are set by a proxy, not by the client: on Vercel, or with TRUST_PROXY=1. */
  trustForwardedHeaders: boolean;
  /** Running under `next dev`: the only place the cron endpoint may go without a secret (from localhost). */
  devServer: boolean;
  kv?: { url: string; token: string; timeoutMs: number };
  /** Overrides of config.json's ai_summary.base_url and model, so one config serves every stage. */
  aiSummaryBaseUrl?: string;
  aiSummaryModel?: string;
  /** First wait before a failed summary is tried again (doubling). */
  aiSummaryRetrySeconds: number;
  /** Where a paper's full text is: `{url}/{id}v{version}`. */
  arxivHtmlUrl: string;
  arxivHtmlMinIntervalMs: number;
  cronSecret?: string;
  /** Every variable, for the one secret whose name config.json chooses (ai_summary.api_key_env). */
  secrets: Record<string, string | undefined>;
}

export function parseEnv(env: Record<string, string | undefined>, options: { devServer?: boolean } = {}): AppEnv {
  // Empty strings mean "unset", as in Vercel's and most shells' environment editors.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new AppError("config", `Invalid environment:\n${formatIssues(result.error)}`);
  }
  const e = result.data;
  const arxivRssUrl = e.ARXIV_RSS_URL ?? "https://rss.arxiv.org/rss";
  const arxivHtmlUrl = e.ARXIV_HTML_URL ?? "https://arxiv.org/html";
  const requested = e.ARXIV_MIN_INTERVAL_MS ?? ARXIV_MIN_INTERVAL_MS;
  // arXiv's terms allow one request every 3 s; only a local stand-in may be asked faster.
  const interval = (url: string) =>
    ARXIV_HOSTS.test(new URL(url).hostname) ? Math.max(requested, ARXIV_MIN_INTERVAL_MS) : requested;
  return {
    arxivRssUrl,
    arxivMinIntervalMs: interval(arxivRssUrl),
    arxivHtmlMinIntervalMs: interval(arxivHtmlUrl),
    arxivTimeoutMs: e.ARXIV_TIMEOUT_MS,
    arxivMaxWaitMs: e.ARXIV_MAX_WAIT_MS,
    arxivRetrySeconds: e.ARXIV_RETRY_SECONDS,
    arxivOtherFetchesPerHour: e.ARXIV_OTHER_FETCHES_PER_HOUR,
    arxivStaleWaitMs: e.ARXIV_STALE_WAIT_MS,
    siteUrl: e.SITE_URL,
    deploymentId: e.VERCEL_DEPLOYMENT_ID ?? e.VERCEL_GIT_COMMIT_SHA ?? "local",
    onVercel: e.VERCEL === "1",
    trustForwardedHeaders: e.VERCEL === "1" || e.TRUST_PROXY === "1" || e.TRUST_PROXY === "true",
    devServer: options.devServer ?? false,
    kv: kvCredentials(e),
    aiSummaryBaseUrl: e.AI_SUMMARY_BASE_URL,
    aiSummaryModel: e.AI_SUMMARY_MODEL,
    aiSummaryRetrySeconds: e.AI_SUMMARY_RETRY_SECONDS,
    arxivHtmlUrl,
    cronSecret: e.CRON_SECRET?.trim() || undefined,
    secrets: present,
  };
}

function kvCredentials(e: z.infer<typeof envSchema>): AppEnv["kv"] {
  // Vercel's names first, as a pair; Upstash's otherwise. Half a pair is a mistake worth stopping for.
  const vercel = e.KV_REST_API_URL !== undefined || e.KV_REST_API_TOKEN !== undefined;
  const url = vercel ? e.KV_REST_API_URL : e.UPSTASH_REDIS_REST_URL;
  const token = vercel ? e.KV_REST_API_TOKEN : e.UPSTASH_REDIS_REST_TOKEN;
  if (!url && !token) return undefined;
  if (!url || !token) {
    throw new AppError(
      "config",
      "Invalid environment:\n  - KV needs both KV_REST_API_URL and KV_REST_API_TOKEN (or UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN)",
    );
  }
  return { url, token, timeoutMs: e.KV_TIMEOUT_MS };
}

let cachedEnv: AppEnv | undefined;

export function getEnv(): AppEnv {
  // Written out so that `next build` replaces it with "production": only `next dev` sees "development",
  // whatever NODE_ENV `next start` is given later.
  cachedEnv ??= parseEnv(process.env, { devServer: process.env.NODE_ENV === "development" });
  return cachedEnv;
}

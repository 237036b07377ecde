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
});

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
  ai_summary: aiSummarySchema.default(aiSummarySchema.parse({})),
});

export type RawConfig = z.input<typeof configSchema>;

export interface AppConfig {
  categories: string[];
  /** The default profile: what `/rss` and `/rss/{cats}` rank by when no query overrides it. */
  profile: RankProfile;
  daysBack: number;
  aiSummary: z.output<typeof aiSummarySchema>;
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
    aiSummary: c.ai_summary,
  };
}

let cachedConfig: AppConfig | undefined;

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
  SITE_URL: optionalUrl,
  VERCEL_DEPLOYMENT_ID: z.string().optional(),
  VERCEL_GIT_COMMIT_SHA: z.string().optional(),
});

export interface AppEnv {
  arxivRssUrl: string;
  /** Minimum gap between two arXiv requests, across all instances. */
  arxivMinIntervalMs: number;
  arxivTimeoutMs: number;
  /** How long one request may wait for its turn at arXiv before serving what it has. */
  arxivMaxWaitMs: number;
  /** Wait before asking arXiv again after a failure or a feed that is not yet updated. */
  arxivRetrySeconds: number;
  siteUrl?: string;
  /** Identifies this deployment, so that a new deployment never answers 304 to the old one's ETags. */
  deploymentId: string;
}

export function parseEnv(env: Record<string, string | undefined>): AppEnv {
  // Empty strings mean "unset", as in Vercel's and most shells' environment editors.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const result = envSchema.safeParse(present);
  if (!result.success) {
    throw new AppError("config", `Invalid environment:\n${formatIssues(result.error)}`);
  }
  const e = result.data;
  const arxivRssUrl = e.ARXIV_RSS_URL ?? "https://rss.arxiv.org/rss";
  // arXiv's terms allow one request every 3 s; only a local stand-in may be asked faster.
  const isArxiv = ARXIV_HOSTS.test(new URL(arxivRssUrl).hostname);
  const requested = e.ARXIV_MIN_INTERVAL_MS ?? ARXIV_MIN_INTERVAL_MS;
  return {
    arxivRssUrl,
    arxivMinIntervalMs: isArxiv ? Math.max(requested, ARXIV_MIN_INTERVAL_MS) : requested,
    arxivTimeoutMs: e.ARXIV_TIMEOUT_MS,
    arxivMaxWaitMs: e.ARXIV_MAX_WAIT_MS,
    arxivRetrySeconds: e.ARXIV_RETRY_SECONDS,
    siteUrl: e.SITE_URL,
    deploymentId: e.VERCEL_DEPLOYMENT_ID ?? e.VERCEL_GIT_COMMIT_SHA ?? "local",
  };
}

let cachedEnv: AppEnv | undefined;

export function getEnv(): AppEnv {
  cachedEnv ??= parseEnv(process.env);
  return cachedEnv;
}

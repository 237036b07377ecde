// Operators' endpoints: /api/health (what works and what does not) and /api/cron/refresh (the daily
// ingest and summaries, for Vercel Cron). JSON in, JSON out, Web APIs only.
import { createHash, timingSafeEqual } from "node:crypto";
import type { CategoryStatus } from "./arxiv/source";
import { announcementInstant } from "./arxiv/schedule";
import { summaryCandidates } from "./feed";
import type { FeedHandlerDeps } from "./http";
import type { StoreHealth } from "./store/failover";

export interface OpsDeps extends Omit<FeedHandlerDeps, "schedule" | "renderCache" | "renderTag" | "origin" | "storeDegraded"> {
  storeHealth: () => StoreHealth;
  /** Touches the store, so that a KV outage shows up in the health report. */
  probeStore: () => Promise<void>;
  cronSecret?: string;
  /** Under `next dev`: a request from localhost may refresh without a secret. */
  devServer: boolean;
  /** What an operator should know about this deployment (e.g. state that is per instance). */
  notes: string[];
  version: string;
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body, null, 2)}\n`, {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers },
  });
}

const DAY_MS = 86_400_000;

interface CategoryHealth {
  category: string;
  /** The newest announcement day held, and how old it is. */
  latestDay?: string;
  latestDayAgeHours?: number;
  lastFetch?: { at: string; outcome: string; message?: string };
  lastGoodFetch?: string;
  failing: boolean;
  failingSince?: string;
  nextCheckAt?: string;
  unknownToArxiv?: boolean;
}

function categoryHealth(category: string, s: CategoryStatus | undefined, now: number): CategoryHealth {
  if (!s) return { category, failing: false };
  const failing = s.failures > 0;
  return {
    category,
    ...(s.latestDay ? { latestDay: s.latestDay, latestDayAgeHours: Math.max(0, Math.round((now - announcementInstant(s.latestDay)) / 3_600_000)) } : {}),
    lastFetch: { at: s.checkedAt, outcome: failing ? (s.lastError?.reason ?? "failed") : "ok", ...(failing && s.lastError ? { message: s.lastError.message } : {}) },
    ...(s.fetchedAt ? { lastGoodFetch: s.fetchedAt } : {}),
    failing,
    ...(s.failingSince ? { failingSince: s.failingSince } : {}),
    nextCheckAt: s.nextCheckAt,
    ...(s.unknown ? { unknownToArxiv: true } : {}),
  };
}

/**
 * What works and what does not. `ok`; `degraded` (serving, but KV is down or arXiv has failed for a
 * configured category for more than a day); `down` (nothing to serve: no category has papers and arXiv
 * is failing). 200, 200 and 503, so a monitor pages only when readers get nothing.
 */
export async function handleHealth(deps: OpsDeps): Promise<Response> {
  await deps.probeStore().catch(() => undefined);
  const now = deps.now();
  const store = deps.storeHealth();
  const statuses = await Promise.all(deps.config.categories.map((c) => deps.source.peek(c).catch(() => undefined)));
  const categories = deps.config.categories.map((c, i) => categoryHealth(c, statuses[i], now));
  const usage = deps.summaries.enabled ? await deps.summaries.usage().catch(() => undefined) : undefined;
  const arxivPause = await deps.source.pause().catch(() => undefined);
  const longFailing = categories.some((c) => c.failingSince && now - Date.parse(c.failingSince) > DAY_MS);
  const status = !categories.some((c) => c.latestDay) && categories.some((c) => c.failing) ? "down" : !store.healthy || longFailing ? "degraded" : "ok";
  return json(
    {
      status,
      version: deps.version,
      checkedAt: new Date(now).toISOString(),
      store: { ...store, configured: store.kind === "kv" },
      summaries: deps.summaries.enabled
        ? { enabled: true, model: deps.summaries.model, ...(usage ? { today: { day: usage.day, calls: usage.calls, cap: usage.cap } } : {}), ...(usage?.lastCall ? { lastCall: usage.lastCall } : {}) }
        : { enabled: false, reason: deps.summaries.disabledReason },
      // arXiv asked every client to slow down: no category is fetched before `until`.
      ...(arxivPause ? { arxivPaused: arxivPause } : {}),
      categories,
      ...(deps.notes.length ? { notes: deps.notes } : {}),
    },
    status === "down" ? 503 : 200,
  );
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/** Both the URL and the Host header name this machine. */
function isLocalRequest(request: Request): boolean {
  const host = request.headers.get("host") ?? new URL(request.url).host;
  return LOOPBACK.test(new URL(request.url).host) && LOOPBACK.test(host);
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Ingests every configured category (politely: the store's gate spaces the requests) and summarizes the
 * day's top papers within the budgets and before `deadline`. Vercel Cron sends `Authorization: Bearer
 * $CRON_SECRET`. Without CRON_SECRET the endpoint is closed to everyone, except under `next dev` to a
 * request for localhost.
 */
export async function handleCronRefresh(request: Request, deps: OpsDeps, maxDurationMs: number): Promise<Response> {
  if (!deps.cronSecret && !(deps.devServer && isLocalRequest(request))) {
    return json({ error: "CRON_SECRET is not set: the refresh endpoint is closed (set it to a long random string)" }, 403);
  }
  if (deps.cronSecret) {
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization")?.trim() ?? "")?.[1]?.trim() ?? "";
    if (!sameSecret(given, deps.cronSecret)) {
      return json({ error: "unauthorized: send Authorization: Bearer $CRON_SECRET" }, 401, { "WWW-Authenticate": "Bearer" });
    }
  }
  const started = deps.now();
  const categories = [];
  for (const category of deps.config.categories) {
    try {
      const s = await deps.source.load(category, { waitForRefresh: true });
      categories.push({
        category,
        version: s.version ?? null,
        days: s.days.map((d) => ({ date: d.date, papers: d.papers.length })),
        ...(s.problem ? { problem: s.problem.message } : {}),
      });
    } catch (err) {
      categories.push({ category, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const ai = deps.config.aiSummary;
  let summaries;
  try {
    const candidates = await summaryCandidates(deps);
    summaries = await deps.summaries.fillMissing(candidates, {
      limit: candidates.length,
      concurrency: ai.max_workers,
      // Leave time to answer before the platform stops the function.
      deadline: started + Math.max(1000, maxDurationMs - 20_000),
    });
  } catch (err) {
    summaries = { error: err instanceof Error ? err.message : String(err) };
  }
  const report = { ok: true, durationMs: deps.now() - started, categories, summaries };
  deps.log.info("cron refresh", { durationMs: report.durationMs });
  return json(report);
}

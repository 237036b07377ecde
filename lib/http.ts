// The HTTP edge, Web APIs only: request → params → loadFeed → render (cached) → response, with conditional
// requests and caching headers. Route handlers call these and nothing else.
import { createHash } from "node:crypto";
import { AppError, isAppError, type ErrorCode } from "./errors";
import { isOwnFeed, loadFeed, summariesPending, summaryCandidates, type FeedDeps } from "./feed";
import type { Logger } from "./log";
import type { LruCache } from "./lru";
import { resolveOrigin, type OriginPolicy } from "./origin";
import { canonicalSearch, parseFeedParams } from "./params";
import { categoryName } from "./arxiv/categories";
import { feedTitle, type FeedLinks } from "./render/document";
import { renderOpml } from "./render/opml";
import { DOCUMENT_SECURITY_HEADERS, MAX_QUERY } from "./security-headers";
import { FORMATS, type FeedFormat } from "./render/formats";
import type { Summaries } from "./summaries/service";
import type { Feed, FeedParams } from "./types";

export interface FeedHandlerDeps extends FeedDeps {
  summaries: Summaries;
  log: Logger;
  /** Where absolute links point: SITE_URL, or the request's (checked) host. */
  origin: OriginPolicy;
  /** Changes whenever the same data would render differently (config, deployment). */
  renderTag: string;
  renderCache: LruCache<RenderedFeed>;
  /** True while the shared store (KV) fails and requests run from the in-process store. */
  storeDegraded: () => boolean;
  /** Runs work after the response is sent (Next's `after()`); tests pass their own. */
  schedule: (task: () => Promise<void>) => void;
}

export interface RenderedFeed {
  /** UTF-8 bytes, encoded once: a warm request then copies no text (most of its cost otherwise). */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  updatedAt: number;
  /** Some of its papers are due a summary that is not there yet: shared caches must not keep it long. */
  summariesPending: boolean;
}

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  not_found: 404,
  upstream_unavailable: 503,
  busy: 503,
  config: 500,
  internal: 500,
};

const MIN_SHARED_MAX_AGE = 60;
const PENDING_SHARED_MAX_AGE = 300;
/** The feed routes' `maxDuration` (60 s) less a margin to record what happened. */
const AFTER_RESPONSE_DEADLINE_MS = 55_000;
const STALE_WHILE_REVALIDATE = 3600;

export async function handleFeed(
  request: Request,
  format: FeedFormat,
  segments: string[] | undefined,
  deps: FeedHandlerDeps,
): Promise<Response> {
  const startedAt = deps.now();
  try {
    const url = new URL(request.url);
    // Most feed paths reach here without proxy.ts (see its matcher): its length check is repeated here.
    if (url.search.length > MAX_QUERY) throw new AppError("bad_request", "the request is too long");
    const params = parseFeedParams(segments, url.searchParams, deps.config);
    const origin = resolveOrigin(request, deps.origin);
    const search = canonicalSearch(url.searchParams);
    const links = feedLinks(origin.origin, params, search);
    const feed = await loadFeed(params, deps);
    const self = `${origin.origin}${FORMATS[format].path}${params.allConfigured ? "" : `/${params.categories.join("+")}`}${search}`;
    const etag = `"${createHash("sha256")
      .update([format, self, feed.version, deps.renderTag].join("\n"))
      .digest("base64url")
      .slice(0, 27)}"`;

    let rendered = deps.renderCache.get(etag);
    if (!rendered) {
      const configured = isOwnFeed(params, deps.config);
      rendered =
        configured || !deps.customBuilds
          ? await renderFresh(format, feed, links, etag, deps)
          : await deps.customBuilds.run(() => renderFresh(format, feed, links, etag, deps));
      // Built while the shared store was failing, it may lack summaries that other instances show under
      // the same ETag: give it an ETag of its own and keep it out of the cache.
      if (deps.storeDegraded()) rendered = { ...rendered, etag: `${etag.slice(0, -1)}-m"`, summariesPending: true };
      else deps.renderCache.set(etag, rendered, rendered.body.byteLength);
    }
    // Only the configured feed's readers start summaries; a custom query string only reuses them.
    if (deps.summaries.enabled && !params.custom) deps.schedule(() => fillSummaries(deps, startedAt));
    for (const w of feed.warnings) deps.log.warn("serving a feed with older papers", { url: url.pathname, warning: w });

    const headers = feedHeaders(rendered, feed, format, deps.now());
    // Links made from the request's host: a shared cache must not hand them to a request with another.
    if (origin.vary.length) headers.set("Vary", origin.vary.join(", "));
    if (isNotModified(request, rendered)) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : rendered.body, { status: 200, headers });
  } catch (err) {
    return errorResponse(err, deps.log, request);
  }
}

async function renderFresh(format: FeedFormat, feed: Feed, links: FeedLinks, etag: string, deps: FeedHandlerDeps): Promise<RenderedFeed> {
  return {
    body: FORMATS[format].bytes(feed, links, deps.config.profile),
    etag,
    updatedAt: feed.updatedAt,
    summariesPending: await summariesPending(feed, deps),
  };
}

/**
 * `/opml`: one outline per configured category and one for their union, absolute, carrying the request's
 * query string (validated like a feed's) into every feed and page link.
 */
export function handleOpml(request: Request, deps: Pick<FeedHandlerDeps, "config" | "origin" | "log" | "now">): Response {
  try {
    const url = new URL(request.url);
    const params = parseFeedParams(undefined, url.searchParams, deps.config);
    const origin = resolveOrigin(request, deps.origin);
    const search = canonicalSearch(url.searchParams);
    const base = origin.origin;
    const keywords = params.custom ? " (personal)" : "";
    const { categories } = deps.config;
    const outlines = [
      ...(categories.length > 1
        ? [{ text: `${feedTitle(categories)}${keywords}`, xmlUrl: `${base}/rss${search}`, htmlUrl: `${base}/${search}` }]
        : []),
      ...categories.map((c) => ({
        text: `${feedTitle([c])}${keywords}`,
        xmlUrl: `${base}/rss/${c}${search}`,
        htmlUrl: `${base}/c/${c}${search}`,
        ...(categoryName(c) ? { description: categoryName(c) } : {}),
      })),
    ];
    const body = renderOpml(`arxiv-rss-bot: ${categories.join(", ")}`, outlines, new Date(deps.now()));
    const headers = new Headers({
      "Content-Type": "text/x-opml; charset=utf-8",
      "Content-Disposition": 'inline; filename="arxiv-rss-bot.opml"',
      "Cache-Control": "public, max-age=0, s-maxage=3600",
      "X-Content-Type-Options": "nosniff",
    });
    if (origin.vary.length) headers.set("Vary", origin.vary.join(", "));
    return new Response(request.method === "HEAD" ? null : body, { status: 200, headers });
  } catch (err) {
    return errorResponse(err, deps.log, request);
  }
}

/**
 * Starts the missing summaries one request may start; never throws (it runs after the response). The
 * platform stops the function `maxDuration` after the request began (60 s for the feed routes), so every
 * call must end before then.
 */
export async function fillSummaries(deps: FeedHandlerDeps, requestStartedAt: number): Promise<void> {
  try {
    const ai = deps.config.aiSummary;
    const candidates = await summaryCandidates(deps);
    await deps.summaries.fillMissing(candidates, {
      limit: ai.summaries_per_request,
      concurrency: ai.max_workers,
      deadline: requestStartedAt + AFTER_RESPONSE_DEADLINE_MS,
    });
  } catch (err) {
    deps.log.error("summaries after a request failed", { error: err instanceof Error ? err.message : String(err) });
  }
}

export function feedLinks(origin: string, params: FeedParams, search: string): FeedLinks {
  const path = params.allConfigured ? "" : `/${params.categories.join("+")}`;
  const base = origin.replace(/\/+$/, "");
  return {
    rss: `${base}${FORMATS.rss.path}${path}${search}`,
    atom: `${base}${FORMATS.atom.path}${path}${search}`,
    json: `${base}${FORMATS.json.path}${path}${search}`,
    html: `${base}/`,
  };
}

function feedHeaders(rendered: RenderedFeed, status: Pick<Feed, "freshUntil" | "warnings">, format: FeedFormat, now: number): Headers {
  const headers = new Headers({
    "Content-Type": FORMATS[format].contentType,
    ETag: rendered.etag,
    "Last-Modified": new Date(rendered.updatedAt).toUTCString(),
    ...DOCUMENT_SECURITY_HEADERS,
  });
  const untilUpdate = Math.floor((status.freshUntil - now) / 1000);
  if (status.warnings.length > 0) {
    // Older papers: let caches keep them only briefly, so recovery shows up soon.
    headers.set("Cache-Control", `public, max-age=0, s-maxage=${MIN_SHARED_MAX_AGE}`);
    headers.set("Warning", '110 arxiv-rss-bot "Response is Stale"');
    headers.set("X-Feed-Warning", status.warnings.join(" | ").replace(/[^\x20-\x7E]/g, "?"));
  } else if (rendered.summariesPending) {
    // Summaries are on their way: come back for them within minutes, not tomorrow.
    headers.set("Cache-Control", `public, max-age=0, s-maxage=${Math.max(MIN_SHARED_MAX_AGE, Math.min(untilUpdate, PENDING_SHARED_MAX_AGE))}`);
  } else {
    headers.set(
      "Cache-Control",
      `public, max-age=0, s-maxage=${Math.max(MIN_SHARED_MAX_AGE, untilUpdate)}, stale-while-revalidate=${STALE_WHILE_REVALIDATE}`,
    );
  }
  return headers;
}

function isNotModified(request: Request, rendered: RenderedFeed): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const weak = (tag: string) => tag.trim().replace(/^W\//, "");
    return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => weak(t) === weak(rendered.etag));
  }
  const since = Date.parse(request.headers.get("if-modified-since") ?? "");
  return !Number.isNaN(since) && Math.floor(rendered.updatedAt / 1000) * 1000 <= since;
}

/** The one place an error becomes a response: users see a plain message, the log gets the rest. */
export function errorResponse(err: unknown, log: Logger, request?: Request): Response {
  const appError = isAppError(err) ? err : undefined;
  const status = appError ? STATUS[appError.code] : 500;
  const headers = new Headers({ "Content-Type": "text/plain; charset=utf-8", ...DOCUMENT_SECURITY_HEADERS });
  let message: string;
  if (status < 500) {
    message = appError!.message;
    headers.set("Cache-Control", "public, max-age=0, s-maxage=300");
  } else if (appError?.code === "upstream_unavailable" || appError?.code === "busy") {
    message = appError.message;
    headers.set("Cache-Control", "no-store");
    headers.set("Retry-After", String(appError.retryAfterSeconds ?? 60));
    log.warn(appError.code === "busy" ? "too busy, request refused" : "arXiv unavailable, nothing cached", { url: request?.url, message });
  } else {
    message =
      appError?.code === "config"
        ? "The service is misconfigured; the operator will find the details in the log."
        : "Internal error; it has been logged.";
    headers.set("Cache-Control", "no-store");
    log.error("request failed", {
      url: request?.url,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  }
  return new Response(`${status} ${statusText(status)}: ${message}\n`, { status, headers });
}

function statusText(status: number): string {
  return { 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error", 503: "Service Unavailable" }[status] ?? "Error";
}

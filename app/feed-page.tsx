// The reading page's server side, shared by `/` and `/c/{cats}`: parse → loadFeed → view → components.
// Bad parameters render their explanation (proxy.ts has already set the 400); unknown categories and days
// are 404s.
import type { Metadata } from "next";
import { headers } from "next/headers";
import { after } from "next/server";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { AppError, isAppError } from "@/lib/errors";
import { loadFeed } from "@/lib/feed";
import { liveDeps } from "@/lib/live";
import { resolveOrigin } from "@/lib/origin";
import { parsePageParams, profileSearch, type PageParams } from "@/lib/params";
import { feedDescription, feedTitle } from "@/lib/render/document";
import { ErrorView, FeedPage } from "@/lib/render/page/components";
import { buildPageView, DayNotKept, type PageView } from "@/lib/render/page/view";

export type SearchParams = Record<string, string | string[] | undefined>;

export function toSearchParams(search: SearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(search)) {
    for (const v of [value ?? []].flat()) out.append(name, v);
  }
  return out;
}

function parse(segments: string[] | undefined, search: SearchParams): PageParams | { error: unknown } {
  try {
    // Pages get their path segment still percent-encoded (route handlers get it decoded): `cs.AI%2Bcs.CL`.
    const decoded = segments?.map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw new AppError("not_found", "No such page");
      }
    });
    return parsePageParams(decoded, toSearchParams(search), liveDeps().config);
  } catch (error) {
    return { error };
  }
}

export function feedPageMetadata(segments: string[] | undefined, search: SearchParams): Metadata {
  const request = parse(segments, search);
  if ("error" in request) return { title: "arxiv-rss-bot" };
  const { categories, allConfigured, profile } = request.feed;
  const query = profileSearch(profile, liveDeps().config.profile);
  const path = allConfigured ? "" : `/${categories.join("+")}`;
  const title = feedTitle(categories);
  return {
    title: `${categories.join(" + ")} · arxiv-rss-bot`,
    alternates: {
      types: {
        "application/rss+xml": [{ url: `/rss${path}${query}`, title: `${title} (RSS)` }],
        "application/atom+xml": [{ url: `/atom${path}${query}`, title: `${title} (Atom)` }],
        "application/feed+json": [{ url: `/json${path}${query}`, title: `${title} (JSON Feed)` }],
      },
    },
  };
}

export async function FeedPageContent({ segments, search }: { segments?: string[]; search: SearchParams }): Promise<ReactNode> {
  const request = parse(segments, search);
  if ("error" in request) {
    const err = request.error;
    if (isAppError(err) && err.code === "not_found") notFound();
    if (isAppError(err) && err.code === "bad_request") {
      return <ErrorView status={400} title="That view cannot be shown" message={err.message} />;
    }
    throw err;
  }
  const deps = liveDeps();
  const requestHeaders = await headers();
  let origin: string;
  try {
    origin = resolveOrigin({ url: `http://${requestHeaders.get("host") ?? "localhost"}/`, headers: requestHeaders }, deps.origin).origin;
  } catch (err) {
    return <ErrorView status={400} title="Bad request" message={isAppError(err) ? err.message : "Invalid request"} />;
  }
  let page: { view: PageView; description: string };
  try {
    const feed = await loadFeed(request.feed, { ...deps, schedule: after });
    page = { view: buildPageView(feed, { config: deps.config, origin, day: request.day, now: deps.now() }), description: feedDescription(feed) };
  } catch (err) {
    if (err instanceof DayNotKept) notFound();
    if (isAppError(err) && err.code === "not_found") notFound();
    if (isAppError(err) && err.code === "upstream_unavailable") {
      const minutes = Math.max(1, Math.round((err.retryAfterSeconds ?? 60) / 60));
      return <ErrorView status={503} title="arXiv is unavailable" message={`${err.message}. Try again in about ${minutes} minute${minutes === 1 ? "" : "s"}.`} />;
    }
    throw err;
  }
  return <FeedPage view={page.view} description={page.description} />;
}

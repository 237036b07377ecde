// The feed formats, one row each: what a route serves at `path`, under which content type, rendered how.
import type { Feed } from "../types";
import { renderDigest } from "./digest";
import { toFeedDocument, type FeedLinks } from "./document";
import { renderAtom, renderJson, renderRss } from "./feeds";

export interface FeedFormatSpec {
  contentType: string;
  /** The route's first path segment: `/rss`, `/rss/cs.LG`. */
  path: string;
  render(feed: Feed, links: FeedLinks): string;
}

export const FORMATS = {
  rss: {
    contentType: "application/rss+xml; charset=utf-8",
    path: "/rss",
    render: (feed, links) => renderRss(toFeedDocument(feed, links)),
  },
  atom: {
    contentType: "application/atom+xml; charset=utf-8",
    path: "/atom",
    render: (feed, links) => renderAtom(toFeedDocument(feed, links)),
  },
  json: {
    contentType: "application/feed+json; charset=utf-8",
    path: "/json",
    render: (feed, links) => renderJson(toFeedDocument(feed, links)),
  },
  md: {
    contentType: "text/markdown; charset=utf-8",
    path: "/md",
    render: (feed) => renderDigest(feed),
  },
} satisfies Record<string, FeedFormatSpec>;

export type FeedFormat = keyof typeof FORMATS;
export const FEED_FORMATS = Object.keys(FORMATS) as FeedFormat[];

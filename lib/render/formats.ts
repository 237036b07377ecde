// The feed formats, one row each: what a route serves at `path`, under which content type, rendered how.
import type { Feed, RankProfile } from "../types";
import { renderDigest } from "./digest";
import { toFeedDocument, type FeedLinks } from "./document";
import { renderAtom, renderJson, renderRss } from "./feeds";

export interface FeedFormatSpec {
  contentType: string;
  /** The route's first path segment: `/rss`, `/rss/cs.LG`. */
  path: string;
  /** `base`: the configured profile, which a personal feed's title is told apart from. */
  render(feed: Feed, links: FeedLinks, base: RankProfile): string;
}

export const FORMATS = {
  rss: {
    contentType: "application/rss+xml; charset=utf-8",
    path: "/rss",
    render: (feed, links, base) => renderRss(toFeedDocument(feed, links, base)),
  },
  atom: {
    contentType: "application/atom+xml; charset=utf-8",
    path: "/atom",
    render: (feed, links, base) => renderAtom(toFeedDocument(feed, links, base)),
  },
  json: {
    contentType: "application/feed+json; charset=utf-8",
    path: "/json",
    render: (feed, links, base) => renderJson(toFeedDocument(feed, links, base)),
  },
  md: {
    contentType: "text/markdown; charset=utf-8",
    path: "/md",
    render: (feed) => renderDigest(feed),
  },
} satisfies Record<string, FeedFormatSpec>;

export type FeedFormat = keyof typeof FORMATS;

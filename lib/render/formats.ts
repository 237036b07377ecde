// The feed formats, one row each: what a route serves at `path`, under which content type, rendered how.
import type { Feed, RankProfile } from "../types";
import { renderDigest } from "./digest";
import type { FeedLinks } from "./document";
import { renderFeed, renderFeedBytes } from "./feeds";

export interface FeedFormatSpec {
  contentType: string;
  /** The route's first path segment: `/rss`, `/rss/cs.LG`. */
  path: string;
  /** `base`: the configured profile, which a personal feed's title is told apart from. */
  render(feed: Feed, links: FeedLinks, base: RankProfile): string;
  /** render's text as UTF-8, what a response sends. */
  bytes(feed: Feed, links: FeedLinks, base: RankProfile): Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();

export const FORMATS = {
  rss: {
    contentType: "application/rss+xml; charset=utf-8",
    path: "/rss",
    render: (feed, links, base) => renderFeed("rss", feed, links, base),
    bytes: (feed, links, base) => renderFeedBytes("rss", feed, links, base),
  },
  atom: {
    contentType: "application/atom+xml; charset=utf-8",
    path: "/atom",
    render: (feed, links, base) => renderFeed("atom", feed, links, base),
    bytes: (feed, links, base) => renderFeedBytes("atom", feed, links, base),
  },
  json: {
    contentType: "application/feed+json; charset=utf-8",
    path: "/json",
    render: (feed, links, base) => renderFeed("json", feed, links, base),
    bytes: (feed, links, base) => renderFeedBytes("json", feed, links, base),
  },
  md: {
    contentType: "text/markdown; charset=utf-8",
    path: "/md",
    render: (feed) => renderDigest(feed),
    bytes: (feed) => encoder.encode(renderDigest(feed)),
  },
} satisfies Record<string, FeedFormatSpec>;

export type FeedFormat = keyof typeof FORMATS;

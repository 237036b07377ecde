// The headers that make a response a document: never run as a page, never framed, never sniffed into
// something else. proxy.ts sets them on most routes; the feed routes, which skip the proxy on their
// warm path, set them themselves.

/** Feeds, OPML, the digest and JSON: documents, never run as a page, never framed. */
export const DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox";

export const DOCUMENT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": DOCUMENT_POLICY,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
};

/** The longest query string served; longer ones get 400 (before anything parses them). */
export const MAX_QUERY = 4096;

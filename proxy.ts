// Next's proxy (middleware): what every request meets before its route. It answers at once what no route
// should see (a method other than GET or HEAD, a broken percent-escape, an absurd length), adds the
// security headers, and gives the reading pages their status: a page cannot choose it, so the checks that
// need no I/O (the query string, `day`) run here too, and a request they refuse gets 400 while the page
// renders the explanation.
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/config";
import { isAppError } from "@/lib/errors";
import { parsePageParams } from "@/lib/params";
import { DOCUMENT_POLICY, DOCUMENT_SECURITY_HEADERS, MAX_QUERY } from "@/lib/security-headers";

const MAX_PATH = 2048;

function refuse(status: 400 | 405, message: string): NextResponse {
  const headers: Record<string, string> = {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    ...DOCUMENT_SECURITY_HEADERS,
  };
  if (status === 405) headers.Allow = "GET, HEAD";
  return new NextResponse(`${status} ${status === 405 ? "Method Not Allowed" : "Bad Request"}: ${message}\n`, { status, headers });
}

/**
 * A page may run Next's own scripts (marked with this request's nonce) and nothing else: no inline script,
 * whatever a paper, a title or a summary carries. Styles may be inline (MathML lays itself out with them).
 */
function pagePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}


function withSecurityHeaders(response: NextResponse, policy: string): NextResponse {
  response.headers.set("Content-Security-Policy", policy);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  return response;
}

export function proxy(request: NextRequest): NextResponse {
  const { pathname, search, searchParams } = request.nextUrl;
  if (request.method !== "GET" && request.method !== "HEAD") return refuse(405, "only GET and HEAD are served here");
  if (pathname.length > MAX_PATH || search.length > MAX_QUERY) return refuse(400, "the request is too long");
  try {
    decodeURIComponent(pathname);
  } catch {
    return refuse(400, "the path has a malformed percent-escape");
  }
  const page = pathname === "/" || pathname.startsWith("/c/");
  if (!page && /^\/(rss|atom|json|md|opml|api|health)(\/|$)/.test(pathname)) {
    return withSecurityHeaders(NextResponse.next(), DOCUMENT_POLICY);
  }
  // Pages (and Next's not-found page): Next reads the nonce from the request's policy and marks its scripts.
  const nonce = btoa(crypto.randomUUID());
  const policy = pagePolicy(nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", policy);
  let status: number | undefined;
  if (page) {
    try {
      const segments = pathname.startsWith("/c/") ? [decodeURIComponent(pathname.slice(3))] : undefined;
      parsePageParams(segments, searchParams, getConfig());
    } catch (err) {
      if (!isAppError(err) || err.code === "bad_request") status = 400;
    }
  }
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders }, ...(status ? { status } : {}) }), policy);
}

export const config = {
  // Next's own assets and the public files are static: they need none of this. Nor does a feed's plain
  // path (`/rss`, `/atom/cs.AI+cs.LG`: no percent-escape, a bounded length), the warm path readers poll:
  // its route refuses other methods and long query strings and sets the document headers itself, and a
  // proxy pass would cost it a fifth of its throughput. Any other feed path still comes through here.
  matcher: ["/((?!_next/static|_next/image|fonts/|favicon\\.svg|robots\\.txt|(?:rss|atom|json)(?:/[^%/]{1,400})?$).*)"],
};

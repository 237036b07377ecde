// Next's proxy (middleware): what every request meets before its route. It answers at once what no route
// should see (a method other than GET or HEAD, a broken percent-escape, an absurd length), adds the
// security headers, and gives the reading pages their status: a page cannot choose it, so the checks that
// need no I/O (the query string, `day`) run here too, and a request they refuse gets 400 while the page
// renders the explanation.
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/config";
import { isAppError } from "@/lib/errors";
import { parsePageParams } from "@/lib/params";

const MAX_PATH = 2048;
const MAX_QUERY = 4096;

function refuse(status: 400 | 405, message: string): NextResponse {
  const headers: Record<string, string> = {
    "Content-Type": "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  };
  if (status === 405) headers.Allow = "GET, HEAD";
  return new NextResponse(`${status} ${status === 405 ? "Method Not Allowed" : "Bad Request"}: ${message}\n`, { status, headers });
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
  if (pathname === "/" || pathname.startsWith("/c/")) {
    try {
      const segments = pathname.startsWith("/c/") ? [decodeURIComponent(pathname.slice(3))] : undefined;
      parsePageParams(segments, searchParams, getConfig());
    } catch (err) {
      if (!isAppError(err) || err.code === "bad_request") return NextResponse.next({ status: 400 });
    }
  }
  return NextResponse.next();
}

export const config = {
  // Next's own assets and the public files are static: they need none of this.
  matcher: ["/((?!_next/static|_next/image|fonts/|favicon\\.svg|robots\\.txt).*)"],
};

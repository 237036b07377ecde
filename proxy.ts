// Next's proxy (middleware), for the reading pages only: a page cannot choose its status, so the checks
// that need no I/O (the query string, `day`) run here too, and a request they refuse gets 400 while the
// page renders the explanation. Everything else passes untouched.
import { NextResponse, type NextRequest } from "next/server";
import { getConfig } from "@/lib/config";
import { isAppError } from "@/lib/errors";
import { parsePageParams } from "@/lib/params";

export function proxy(request: NextRequest): NextResponse {
  const { pathname, searchParams } = request.nextUrl;
  try {
    const segments = pathname.startsWith("/c/") ? [decodeURIComponent(pathname.slice(3))] : undefined;
    parsePageParams(segments, searchParams, getConfig());
  } catch (err) {
    if (!isAppError(err) || err.code === "bad_request") return NextResponse.next({ status: 400 });
  }
  return NextResponse.next();
}

export const config = { matcher: ["/", "/c/:cats"] };

import { after } from "next/server";
import { handleFeed } from "@/lib/http";
import { liveDeps } from "@/lib/live";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export async function GET(request: Request, context: { params: Promise<{ cats?: string[] }> }) {
  return handleFeed(request, "rss", (await context.params).cats, { ...liveDeps(), schedule: after });
}

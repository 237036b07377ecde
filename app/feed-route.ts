// One GET handler for every feed format's route (`/rss`, `/atom`, `/json`, each with optional categories).
import { after } from "next/server";
import { handleFeed } from "@/lib/http";
import { liveDeps } from "@/lib/live";
import type { FeedFormat } from "@/lib/render/formats";

export function feedRoute(format: FeedFormat) {
  return async function GET(request: Request, context: { params: Promise<{ cats?: string[] }> }): Promise<Response> {
    return handleFeed(request, format, (await context.params).cats, { ...liveDeps(), schedule: after });
  };
}

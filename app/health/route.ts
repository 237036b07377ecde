// The old bot's path for the health report: the same as /api/health.
import { liveDeps } from "@/lib/live";
import { handleHealth } from "@/lib/ops";

export const dynamic = "force-dynamic";

export async function GET() {
  return handleHealth(liveDeps());
}

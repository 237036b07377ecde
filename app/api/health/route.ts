import { liveDeps } from "@/lib/live";
import { handleHealth } from "@/lib/ops";

export const dynamic = "force-dynamic";

export async function GET() {
  return handleHealth(liveDeps());
}

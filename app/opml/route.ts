import { handleOpml } from "@/lib/http";
import { liveDeps } from "@/lib/live";

export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  return handleOpml(request, liveDeps());
}

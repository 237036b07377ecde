import { liveDeps } from "@/lib/live";
import { handleCronRefresh } from "@/lib/ops";

export const dynamic = "force-dynamic";
// Vercel stops the function after this; the refresh stops starting summaries 20 s before.
export const maxDuration = 300;

export async function GET(request: Request) {
  return handleCronRefresh(request, liveDeps(), maxDuration * 1000);
}

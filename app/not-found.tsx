import { headers } from "next/headers";
import { ErrorView } from "@/lib/render/page/components";

export const metadata = { title: "Not found · arxiv-rss-bot" };

export default async function NotFound() {
  // Rendered per request (not prerendered), so its scripts carry the request's CSP nonce (proxy.ts).
  await headers();
  return (
    <ErrorView
      status={404}
      title="Nothing here"
      message="There is no such page, arXiv category or kept announcement day. Categories look like cs.LG, math.CO or hep-th (see arxiv.org/category_taxonomy); days are kept for the last few announcements."
    />
  );
}

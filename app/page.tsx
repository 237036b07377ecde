import type { Metadata } from "next";
import { FeedPageContent, feedPageMetadata, type SearchParams } from "@/app/feed-page";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<SearchParams> };

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  return feedPageMetadata(undefined, await searchParams);
}

export default async function HomePage({ searchParams }: Props) {
  return <FeedPageContent search={await searchParams} />;
}

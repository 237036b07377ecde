import type { Metadata } from "next";
import { FeedPageContent, feedPageMetadata, type SearchParams } from "@/app/feed-page";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ cats: string }>; searchParams: Promise<SearchParams> };

export async function generateMetadata({ params, searchParams }: Props): Promise<Metadata> {
  return feedPageMetadata([(await params).cats], await searchParams);
}

export default async function CategoryPage({ params, searchParams }: Props) {
  return <FeedPageContent segments={[(await params).cats]} search={await searchParams} />;
}

import { feedRoute } from "@/app/feed-route";

export const dynamic = "force-dynamic";
export const maxDuration = 60;

export const GET = feedRoute("md");

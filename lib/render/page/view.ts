// Pure: a loaded feed → what the page shows (the chosen day, the day selector, notices, subscribe links,
// the personalize form), as plain data. The React components only lay it out.
import { categoryName } from "../../arxiv/categories";
import { easternDate, expectedAnnouncementDate } from "../../arxiv/schedule";
import type { AppConfig } from "../../config";
import { profileFields, profileSearch } from "../../params";
import type { AnnouncementDay, Feed, FeedEntry } from "../../types";
import { cleanPaper } from "../document";

export interface PageLinks {
  /** Relative links for this view (same query), for the page's own anchors and <link rel="alternate">. */
  rss: string;
  atom: string;
  json: string;
  opml: string;
  /** The RSS feed of this view, absolute: what a reader subscribes to. */
  feedUrl: string;
  /** This view's page, absolute. */
  pageUrl: string;
}

export interface DayChoice {
  date: string;
  /** `Tue 30 Jun` */
  label: string;
  papers: number;
  href: string;
  current: boolean;
}

export interface Notice {
  tone: "info" | "warning";
  text: string;
}

export interface PageView {
  /** `cs.AI` or `cs.AI + cs.CL`, or the configured set. */
  heading: string;
  categories: { code: string; name?: string }[];
  /** The day shown, its papers cleaned and in rank order; undefined when nothing is kept yet. */
  day?: AnnouncementDay<FeedEntry>;
  days: DayChoice[];
  notices: Notice[];
  links: PageLinks;
  /** Where the personalize form goes (this view's path) and what it shows. */
  formAction: string;
  fields: ReturnType<typeof profileFields>;
  /** The query string of this view's feeds, relative to the configured profile. */
  search: string;
  custom: boolean;
  matchMode: Feed["params"]["profile"]["match"];
}

export class DayNotKept extends Error {}

const WEEKDAY = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
const LONG_DAY = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const CLOCK = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC", hourCycle: "h23" });

const dayOf = (date: string) => new Date(`${date}T12:00:00Z`);
export const shortDay = (date: string) => WEEKDAY.format(dayOf(date)).replace(",", "");
export const longDay = (date: string) => LONG_DAY.format(dayOf(date)).replace(",", "");
const clock = (t: number) => `${CLOCK.format(new Date(t))} UTC`;

/** The path of this view's page: `/` for the configured categories, `/c/{cats}` otherwise. */
export function pagePath(feed: Feed): string {
  return feed.params.allConfigured ? "/" : `/c/${feed.params.categories.join("+")}`;
}

export function buildPageView(feed: Feed, options: { config: AppConfig; origin: string; day?: string; now: number }): PageView {
  const { params } = feed;
  const path = pagePath(feed);
  const search = profileSearch(params.profile, options.config.profile);
  const cats = params.allConfigured ? "" : `/${params.categories.join("+")}`;
  const withSearch = (base: string, extra?: string) => {
    const query = [search.slice(1), extra].filter(Boolean).join("&");
    return query ? `${base}?${query}` : base;
  };
  const chosen = options.day ? feed.days.find((d) => d.date === options.day) : feed.days[0];
  if (options.day && !chosen) throw new DayNotKept(`No papers are kept for ${options.day}`);
  const latest = feed.days[0]?.date;
  return {
    heading: params.categories.join(" + "),
    categories: params.categories.map((code) => ({ code, name: categoryName(code) })),
    ...(chosen ? { day: { date: chosen.date, papers: chosen.papers.map((e) => ({ ...e, paper: cleanPaper(e.paper) })) } } : {}),
    days: feed.days.map((d) => ({
      date: d.date,
      label: shortDay(d.date),
      papers: d.papers.length,
      href: withSearch(path, d.date === latest ? undefined : `day=${d.date}`),
      current: d.date === chosen?.date,
    })),
    notices: notices(feed, chosen?.date, options.now),
    links: {
      rss: withSearch(`/rss${cats}`),
      atom: withSearch(`/atom${cats}`),
      json: withSearch(`/json${cats}`),
      opml: withSearch("/opml"),
      feedUrl: `${options.origin}${withSearch(`/rss${cats}`)}`,
      pageUrl: `${options.origin}${withSearch(path)}`,
    },
    formAction: path,
    fields: profileFields(params.profile),
    search,
    custom: search !== "",
    matchMode: params.profile.match,
  };
}

function notices(feed: Feed, shown: string | undefined, now: number): Notice[] {
  const out: Notice[] = [];
  const today = easternDate(now);
  const expected = expectedAnnouncementDate(now);
  const latest = feed.days[0]?.date;
  for (const p of feed.problems) {
    if (p.reason === "busy") {
      out.push({ tone: "info", text: `${p.category} is being fetched from arXiv right now; reload in a few seconds for its newest papers.` });
      continue;
    }
    const since = p.since ? ` since ${clock(p.since)}` : "";
    const shownUpTo = p.shownUpTo ? `showing its last good papers, announced up to ${longDay(p.shownUpTo)}` : "no papers of it are cached yet";
    out.push({
      tone: "warning",
      text: `arXiv has been failing for ${p.category}${since} (${p.message}): ${shownUpTo}. Next try ${clock(p.retryAt)}.`,
    });
  }
  if (latest && shown === latest) {
    const weekend = expected !== today;
    if (weekend) {
      out.push({ tone: "info", text: `arXiv makes no announcement on weekends. This is the latest one, ${longDay(latest)}.` });
    } else if (latest < expected && feed.problems.length === 0) {
      out.push({
        tone: "info",
        text: `arXiv has made no announcement for ${longDay(expected)} (yet, or it is a holiday). This is the latest one, ${longDay(latest)}.`,
      });
    }
  } else if (shown && latest) {
    out.push({ tone: "info", text: `You are reading ${longDay(shown)}. The latest announcement is ${longDay(latest)}.` });
  }
  return out;
}

// Pure: when arXiv's RSS changes. arXiv rebuilds its feeds at midnight US Eastern, Monday to Friday;
// Saturday and Sunday bring nothing new.

const ET = "America/New_York";
const DAY_MS = 86_400_000;

const etFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: ET,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function etWallClock(t: number): WallClock {
  const parts = Object.fromEntries(etFormat.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/**
 * Midnights computed, by the date as given (`2026-06-31` is not July 1st: Date.UTC would roll it over,
 * and its answer is not July 1st's): each takes an Intl call or two, and few days recur.
 */
const midnights = new Map<number, number>();

/** The UTC instant of midnight US Eastern on a calendar day (DST-aware). */
function etMidnight(year: number, month: number, day: number): number {
  const key = (year * 100 + month) * 100 + day;
  let midnight = midnights.get(key);
  if (midnight === undefined) {
    if (midnights.size >= 4096) midnights.clear();
    midnights.set(key, (midnight = findEtMidnight(Date.UTC(year, month - 1, day), day)));
  }
  return midnight;
}

function findEtMidnight(utcMidnight: number, day: number): number {
  // Eastern is UTC-5 or UTC-4: try both offsets and keep the one that reads as 00:00 in New York.
  for (const offsetHours of [4, 5]) {
    const t = utcMidnight + offsetHours * 3_600_000;
    const w = etWallClock(t);
    if (w.hour === 0 && w.minute === 0 && w.day === day) return t;
  }
  return utcMidnight + 5 * 3_600_000;
}

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Calendar arithmetic on a `YYYY-MM-DD` day, independent of time zones. */
function addDays(date: string, days: number): { year: number; month: number; day: number; weekday: number } {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), weekday: t.getUTCDay() };
}

const isWeekday = (weekday: number) => weekday >= 1 && weekday <= 5;

/** The US Eastern calendar day of an instant, `YYYY-MM-DD`. */
export function easternDate(now: number): string {
  const w = etWallClock(now);
  return isoDate(w.year, w.month, w.day);
}

/** When arXiv next rebuilds its feeds after `now`: the next weekday midnight US Eastern. */
export function nextArxivUpdate(now: number): number {
  const today = easternDate(now);
  for (let i = 1; i <= 7; i++) {
    const d = addDays(today, i);
    if (isWeekday(d.weekday)) return etMidnight(d.year, d.month, d.day);
  }
  throw new Error("unreachable: a week always has a weekday");
}

/** The announcement day arXiv's feeds should carry at `now`: today if a weekday, else the last Friday. */
export function expectedAnnouncementDate(now: number): string {
  const today = easternDate(now);
  for (let i = 0; i < 7; i++) {
    const d = addDays(today, -i);
    if (isWeekday(d.weekday)) return isoDate(d.year, d.month, d.day);
  }
  throw new Error("unreachable: a week always has a weekday");
}

/** Midnight US Eastern on an announcement day (`YYYY-MM-DD`): the instant arXiv dates its items. */
export function announcementInstant(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return etMidnight(y, m, d);
}

import { describe, expect, it } from "vitest";
import { announcementInstant, easternDate, expectedAnnouncementDate, nextArxivUpdate } from "../../lib/arxiv/schedule";

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

// An independent reading of the New York wall clock, for property checks.
const nyFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
function newYork(ms: number): { weekday: string; time: string } {
  const parts = Object.fromEntries(nyFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday!, time: `${parts.hour}:${parts.minute}:${parts.second}` };
}

describe("easternDate", () => {
  it("turns at midnight New York time, not UTC (summer, UTC-4)", () => {
    expect(easternDate(t("2026-06-30T03:59:59Z"))).toBe("2026-06-29");
    expect(easternDate(t("2026-06-30T04:00:00Z"))).toBe("2026-06-30");
  });

  it("turns at midnight New York time in winter (UTC-5)", () => {
    expect(easternDate(t("2026-01-15T04:59:59Z"))).toBe("2026-01-14");
    expect(easternDate(t("2026-01-15T05:00:00Z"))).toBe("2026-01-15");
  });
});

describe("nextArxivUpdate: weekdays at midnight US Eastern", () => {
  it("Tuesday daytime → Wednesday 00:00 EDT", () => {
    expect(iso(nextArxivUpdate(t("2026-06-30T14:00:00Z")))).toBe("2026-07-01T04:00:00.000Z");
  });

  it("exactly at Tuesday's midnight → the next one, Wednesday", () => {
    expect(iso(nextArxivUpdate(t("2026-06-30T04:00:00Z")))).toBe("2026-07-01T04:00:00.000Z");
  });

  it("Thursday 23:59:59 → Friday 00:00", () => {
    expect(iso(nextArxivUpdate(t("2026-07-03T03:59:59Z")))).toBe("2026-07-03T04:00:00.000Z");
  });

  it("Friday just after midnight → next Monday (the weekend is skipped)", () => {
    expect(iso(nextArxivUpdate(t("2026-07-03T04:30:00Z")))).toBe("2026-07-06T04:00:00.000Z");
    expect(iso(nextArxivUpdate(t("2026-07-03T20:00:00Z")))).toBe("2026-07-06T04:00:00.000Z");
  });

  it("Saturday and Sunday → Monday", () => {
    expect(iso(nextArxivUpdate(t("2026-07-04T12:00:00Z")))).toBe("2026-07-06T04:00:00.000Z");
    expect(iso(nextArxivUpdate(t("2026-07-05T12:00:00Z")))).toBe("2026-07-06T04:00:00.000Z");
    expect(iso(nextArxivUpdate(t("2026-07-06T03:59:59Z")))).toBe("2026-07-06T04:00:00.000Z");
  });

  it("across the spring DST switch (Sun 8 Mar 2026): Friday in EST → Monday midnight EDT at 04:00Z", () => {
    expect(iso(nextArxivUpdate(t("2026-03-06T15:00:00Z")))).toBe("2026-03-09T04:00:00.000Z");
    expect(iso(nextArxivUpdate(t("2026-03-08T07:30:00Z")))).toBe("2026-03-09T04:00:00.000Z");
  });

  it("across the autumn DST switch (Sun 1 Nov 2026): Friday in EDT → Monday midnight EST at 05:00Z", () => {
    expect(iso(nextArxivUpdate(t("2026-10-30T12:00:00Z")))).toBe("2026-11-02T05:00:00.000Z");
    expect(iso(nextArxivUpdate(t("2026-11-01T05:30:00Z")))).toBe("2026-11-02T05:00:00.000Z");
  });

  it("over a whole year, is always a later weekday midnight in New York, at most one weekend away", () => {
    const start = t("2026-01-01T00:00:00Z");
    const end = t("2027-01-01T00:00:00Z");
    for (let now = start; now < end; now += 7 * 3_600_000 + 13 * 60_000) {
      const next = nextArxivUpdate(now);
      expect(next).toBeGreaterThan(now);
      const ny = newYork(next);
      expect(ny.time).toBe("00:00:00");
      expect(["Mon", "Tue", "Wed", "Thu", "Fri"]).toContain(ny.weekday);
      // Friday 00:00:01 → Monday 00:00 is the longest wait (72 h, 73 h across a DST switch).
      expect(next - now).toBeLessThanOrEqual(73 * 3_600_000);
      // From Sunday to Thursday, the next update is the next midnight.
      if (["Sun", "Mon", "Tue", "Wed", "Thu"].includes(newYork(now).weekday)) {
        expect(next - now).toBeLessThanOrEqual(25 * 3_600_000);
      }
    }
  });
});

describe("expectedAnnouncementDate", () => {
  it("is today on a weekday, from midnight to midnight Eastern", () => {
    expect(expectedAnnouncementDate(t("2026-06-30T04:00:00Z"))).toBe("2026-06-30");
    expect(expectedAnnouncementDate(t("2026-07-01T03:59:59Z"))).toBe("2026-06-30");
    expect(expectedAnnouncementDate(t("2026-07-03T20:00:00Z"))).toBe("2026-07-03");
  });

  it("is the last Friday on Saturday and Sunday, until Monday's midnight", () => {
    expect(expectedAnnouncementDate(t("2026-07-04T12:00:00Z"))).toBe("2026-07-03");
    expect(expectedAnnouncementDate(t("2026-07-05T23:00:00Z"))).toBe("2026-07-03");
    expect(expectedAnnouncementDate(t("2026-07-06T03:59:59Z"))).toBe("2026-07-03");
    expect(expectedAnnouncementDate(t("2026-07-06T04:00:00Z"))).toBe("2026-07-06");
  });

  it("across DST weekends", () => {
    expect(expectedAnnouncementDate(t("2026-03-08T12:00:00Z"))).toBe("2026-03-06");
    expect(expectedAnnouncementDate(t("2026-11-01T12:00:00Z"))).toBe("2026-10-30");
    expect(expectedAnnouncementDate(t("2026-11-02T04:59:59Z"))).toBe("2026-10-30");
    expect(expectedAnnouncementDate(t("2026-11-02T05:00:00Z"))).toBe("2026-11-02");
  });
});

describe("announcementInstant: midnight US Eastern of an announcement day", () => {
  it('"2026-06-30" is 2026-06-30T04:00:00Z (EDT)', () => {
    expect(announcementInstant("2026-06-30")).toBe(t("2026-06-30T04:00:00Z"));
  });

  it("a winter day is 05:00Z (EST)", () => {
    expect(announcementInstant("2026-01-15")).toBe(t("2026-01-15T05:00:00Z"));
    expect(announcementInstant("2026-12-01")).toBe(t("2026-12-01T05:00:00Z"));
  });

  it("on and after the DST switch days, uses the offset in force at that midnight", () => {
    expect(announcementInstant("2026-03-08")).toBe(t("2026-03-08T05:00:00Z"));
    expect(announcementInstant("2026-03-09")).toBe(t("2026-03-09T04:00:00Z"));
    expect(announcementInstant("2026-11-01")).toBe(t("2026-11-01T04:00:00Z"));
    expect(announcementInstant("2026-11-02")).toBe(t("2026-11-02T05:00:00Z"));
  });

  it("is the first instant of that Eastern day, for every day of 2026", () => {
    for (let d = t("2026-01-01T12:00:00Z"); d < t("2027-01-01T00:00:00Z"); d += 86_400_000) {
      const date = new Date(d).toISOString().slice(0, 10);
      const instant = announcementInstant(date);
      expect(easternDate(instant)).toBe(date);
      expect(easternDate(instant - 1)).not.toBe(date);
      expect(newYork(instant).time).toBe("00:00:00");
    }
  });

  it("a date no calendar has (31 April, 31 June) changes nothing of the real day it would roll over to", () => {
    // Days no other test asks for, the impossible one first.
    announcementInstant("2031-04-31");
    expect(iso(announcementInstant("2031-05-01"))).toBe("2031-05-01T04:00:00.000Z");
    announcementInstant("2031-06-31");
    expect(iso(nextArxivUpdate(t("2031-06-30T18:00:00Z")))).toBe("2031-07-01T04:00:00.000Z");
  });
});

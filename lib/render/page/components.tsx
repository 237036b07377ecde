// The reading page, as React server components over a PageView (./view.ts): the day's ranked papers with
// highlighted matches, math as MathML and collapsible AI summaries; the day selector; subscribe links and
// the personalize form (a plain GET form: no client script).
import type { ReactNode } from "react";
import { arxivLinks } from "../../arxiv/ids";
import { matchRanges } from "../../rank";
import { ANNOUNCE_TYPES, type FeedEntry, type KeywordMatch, type MatchMode } from "../../types";
import { formatScore, licenseLabel } from "../document";
import { safeHttpUrl } from "../escape";
import { renderMarkdown } from "../markdown";
import { splitMath, texToMathml } from "../math";
import type { Notice, PageView } from "./view";
import { longDay } from "./view";

const TYPE_LABELS: Record<string, string> = {
  new: "New",
  cross: "Cross-list",
  replace: "Replaced",
  "replace-cross": "Replaced cross-list",
};

/** Plain text with keyword matches marked and TeX math as MathML (its source when it does not parse). */
export function RichText({ text, terms, mode }: { text: string; terms: readonly string[]; mode: MatchMode }): ReactNode {
  const out: ReactNode[] = [];
  for (const [i, segment] of splitMath(text).entries()) {
    if (segment.kind === "math") {
      const mathml = texToMathml(segment.tex, segment.display);
      out.push(
        mathml ? (
          <span key={i} className={segment.display ? "math math-display" : "math"} dangerouslySetInnerHTML={{ __html: mathml }} />
        ) : (
          <code key={i} className="tex">
            {segment.source}
          </code>
        ),
      );
      continue;
    }
    out.push(<Highlighted key={i} text={segment.text} ranges={matchRanges(segment.text, terms, mode)} />);
  }
  return <>{out}</>;
}

function Highlighted({ text, ranges }: { text: string; ranges: [number, number][] }): ReactNode {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start > at) parts.push(text.slice(at, start));
    parts.push(<mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

const MAX_AUTHORS_SHOWN = 12;

function Authors({ authors }: { authors: string[] }): ReactNode {
  if (authors.length <= MAX_AUTHORS_SHOWN) return <p className="authors">{authors.join(", ")}</p>;
  const shown = authors.slice(0, MAX_AUTHORS_SHOWN - 2);
  return (
    <details className="authors">
      <summary>
        {shown.join(", ")} and {authors.length - shown.length} more
      </summary>
      {authors.slice(shown.length).join(", ")}
    </details>
  );
}

function where(inTitle: boolean, inAbstract: boolean): string {
  return inTitle && inAbstract ? "title and abstract" : inTitle ? "title" : "abstract";
}

/** The terms of the keywords found in a paper's title, or its abstract. */
export function matchedTerms(matches: readonly KeywordMatch[], field: "inTitle" | "inAbstract"): string[] {
  return matches.filter((m) => m[field]).map((m) => m.term);
}

export function PaperCard({ entry, rank, view }: { entry: FeedEntry; rank: number; view: PageView }): ReactNode {
  const { paper, score, matches, summary } = entry;
  const links = arxivLinks(paper.id);
  const [primary, ...others] = paper.categories;
  // Each text is searched for the keywords the ranking found in it, not for every keyword: the others
  // do not occur there (matchRanges matches as the ranking does), and searching every paragraph for all
  // of a profile's keywords was most of the page's own work.
  const titleTerms = matchedTerms(matches, "inTitle");
  const abstractTerms = matchedTerms(matches, "inAbstract");
  const titleId = `title-${paper.id.replace(/[^\w]/g, "-")}`;
  const license = paper.license ? safeHttpUrl(paper.license) : undefined;
  const paragraphs = paper.abstract.split(/\n\s*\n|\n(?=\s)/).map((p) => p.trim()).filter(Boolean);
  return (
    <article className="paper" aria-labelledby={titleId}>
      <div className="paper-head">
        <span className="rank" aria-label={`Rank ${rank}`}>
          {rank}
        </span>
        <div className="paper-heading">
          <h3 id={titleId} className="paper-title">
            <a href={links.abs}>
              <RichText text={paper.title} terms={titleTerms} mode={view.matchMode} />
            </a>
          </h3>
          <Authors authors={paper.authors} />
        </div>
      </div>
      <dl className="facts">
        <div>
          <dt>Score</dt>
          <dd>
            <span className="score">{formatScore(score)}</span>
          </dd>
        </div>
        <div>
          <dt>Type</dt>
          <dd>
            <span className={`type type-${paper.announceType}`}>{TYPE_LABELS[paper.announceType] ?? paper.announceType}</span>
          </dd>
        </div>
        <div>
          <dt>Categories</dt>
          <dd className="categories">
            {primary ? <strong title="Primary category">{primary}</strong> : null}
            {others.map((c) => (
              <span key={c}>{c}</span>
            ))}
          </dd>
        </div>
        {matches.length > 0 ? (
          <div className="matched">
            <dt>Matched</dt>
            <dd>
              {matches.map((m) => (
                <span key={m.term} className="keyword" title={`in the ${where(m.inTitle, m.inAbstract)}`}>
                  {m.term}
                  {m.weight !== 1 ? <small> ×{m.weight}</small> : null}
                  {m.inTitle ? <small className="in-title"> title</small> : null}
                </span>
              ))}
            </dd>
          </div>
        ) : null}
      </dl>
      {summary ? (
        <details className="ai-summary">
          <summary>
            AI summary <span className="model">by {summary.model}</span>
          </summary>
          <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(summary.markdown, { headingOffset: 3, math: true }) }} />
        </details>
      ) : null}
      <div className="abstract">
        {paragraphs.map((p, i) => (
          <p key={i}>
            <RichText text={p} terms={abstractTerms} mode={view.matchMode} />
          </p>
        ))}
      </div>
      <p className="paper-links">
        <a href={links.abs}>
          arXiv:{paper.id}v{paper.version}
        </a>
        <a href={links.pdf}>PDF</a>
        <a href={links.html}>HTML</a>
        <a href={links.bibtex}>BibTeX</a>
        {paper.doi ? <a href={`https://doi.org/${paper.doi.split("/").map(encodeURIComponent).join("/")}`}>DOI</a> : null}
        {license ? <a href={license}>{licenseLabel(license)}</a> : paper.license ? <span>{paper.license}</span> : null}
      </p>
      {paper.journalRef ? <p className="journal-ref">{paper.journalRef}</p> : null}
    </article>
  );
}

function Notices({ notices }: { notices: Notice[] }): ReactNode {
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((n, i) => (
        <p key={i} className={`notice notice-${n.tone}`} role={n.tone === "warning" ? "alert" : "status"}>
          {n.text}
        </p>
      ))}
    </div>
  );
}

function DayNav({ view }: { view: PageView }): ReactNode {
  if (view.days.length <= 1) return null;
  return (
    <nav className="days" aria-label="Announcement days">
      <ul>
        {view.days.map((d) => (
          <li key={d.date}>
            <a href={d.href} aria-current={d.current ? "page" : undefined}>
              <span className="day-label">{d.label}</span>
              <span className="day-count">{d.papers}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Subscribe({ view }: { view: PageView }): ReactNode {
  return (
    <section className="panel subscribe" aria-labelledby="subscribe-heading">
      <h2 id="subscribe-heading">Subscribe</h2>
      <p>{view.custom ? "Your personal feed, with the settings below:" : "This view as a feed for your reader:"}</p>
      <label className="feed-url">
        <span>Feed URL</span>
        <input type="url" readOnly value={view.links.feedUrl} aria-describedby="feed-url-hint" />
      </label>
      <p id="feed-url-hint" className="hint">
        Select it and paste it into your reader.
      </p>
      <ul className="formats">
        <li>
          <a href={view.links.rss} type="application/rss+xml">
            RSS
          </a>
        </li>
        <li>
          <a href={view.links.atom} type="application/atom+xml">
            Atom
          </a>
        </li>
        <li>
          <a href={view.links.json} type="application/feed+json">
            JSON Feed
          </a>
        </li>
        <li>
          <a href={view.links.opml} type="text/x-opml">
            OPML
          </a>
        </li>
      </ul>
    </section>
  );
}

function Personalize({ view }: { view: PageView }): ReactNode {
  const f = view.fields;
  return (
    <section className="panel personalize" aria-labelledby="personalize-heading">
      <h2 id="personalize-heading">Personalize</h2>
      <form method="get" action={view.formAction}>
        <label>
          <span>Keywords</span>
          <input type="text" name="keywords" defaultValue={f.keywords} aria-describedby="keywords-hint" />
        </label>
        <p id="keywords-hint" className="hint">
          Comma-separated. <code>diffusion^2</code> doubles a keyword&apos;s weight; empty shows every paper.
        </p>
        <label>
          <span>Exclude</span>
          <input type="text" name="exclude" defaultValue={f.exclude} />
        </label>
        <div className="row">
          <label>
            <span>Minimum score</span>
            <input type="number" name="min_score" min={0} step={0.5} defaultValue={f.min_score} />
          </label>
          <label>
            <span>Papers a day</span>
            <input type="number" name="limit" min={1} max={500} defaultValue={f.limit} />
          </label>
        </div>
        <fieldset>
          <legend>Announce types</legend>
          {ANNOUNCE_TYPES.map((t) => (
            <label key={t} className="check">
              <input type="checkbox" name="types" value={t} defaultChecked={f.types.includes(t)} />
              {TYPE_LABELS[t]}
            </label>
          ))}
        </fieldset>
        <label>
          <span>Match</span>
          <select name="match" defaultValue={f.match}>
            <option value="prefix">Word starts (RL matches RLHF)</option>
            <option value="word">Whole words</option>
            <option value="substring">Anywhere (the old bot)</option>
          </select>
        </label>
        <div className="actions">
          <button type="submit">Preview feed</button>
          <a href={view.formAction}>Reset</a>
        </div>
      </form>
    </section>
  );
}

export function FeedPage({ view, description }: { view: PageView; description: string }): ReactNode {
  const day = view.day;
  return (
    <>
      <section className="intro">
        <h1>{view.heading}</h1>
        <p className="category-names">
          {view.categories.length > 1
            ? view.categories.map((c, i) => (
                <span key={c.code}>
                  {i > 0 ? " · " : null}
                  <a href={`/c/${c.code}`} title={`${c.code}: its own page and feeds`}>
                    {c.name ?? c.code}
                  </a>
                </span>
              ))
            : view.categories.map((c) => c.name ?? c.code).join("")}
        </p>
        <p className="lede">{description}</p>
        <p className="quick-links">
          <span>Subscribe:</span>
          <a href={view.links.rss} type="application/rss+xml">
            RSS
          </a>
          <a href={view.links.atom} type="application/atom+xml">
            Atom
          </a>
          <a href={view.links.json} type="application/feed+json">
            JSON Feed
          </a>
          <a href="#personalize-heading">Personalize…</a>
        </p>
      </section>
      <Notices notices={view.notices} />
      <DayNav view={view} />
      <div className="columns">
        <section className="papers" aria-labelledby="day-heading">
          {day ? (
            <>
              <h2 id="day-heading">
                {longDay(day.date)}
                <span className="count">
                  {day.papers.length} {day.papers.length === 1 ? "paper" : "papers"}
                </span>
              </h2>
              {day.papers.length ? (
                <ol className="paper-list">
                  {day.papers.map((entry, i) => (
                    <li key={entry.paper.id}>
                      <PaperCard entry={entry} rank={i + 1} view={view} />
                    </li>
                  ))}
                </ol>
              ) : (
                <p className="empty">No paper of this day matches these settings. Try fewer exclusions, other keywords or a lower minimum score.</p>
              )}
            </>
          ) : (
            <>
              <h2 id="day-heading">No papers yet</h2>
              <p className="empty">Nothing is kept for these categories yet. Come back after arXiv&apos;s next announcement.</p>
            </>
          )}
        </section>
        <aside className="side">
          <Subscribe view={view} />
          <Personalize view={view} />
        </aside>
      </div>
    </>
  );
}

/** The page for a request that cannot be served: what went wrong, in words, and a way on. */
export function ErrorView({ status, title, message, home = "/" }: { status: number; title: string; message: string; home?: string }): ReactNode {
  return (
    <section className="error-view" aria-labelledby="error-heading">
      <p className="status">{status}</p>
      <h1 id="error-heading">{title}</h1>
      <p>{message}</p>
      <p>
        <a href={home}>Go to today&apos;s papers</a>
      </p>
    </section>
  );
}

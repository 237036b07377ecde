import { categoryName } from "@/lib/arxiv/categories";
import { getConfig } from "@/lib/config";

function FeedLinks({ path }: { path: string }) {
  return (
    <span className="formats">
      <a href={`/rss${path}`}>RSS</a>
      <a href={`/atom${path}`}>Atom</a>
      <a href={`/json${path}`}>JSON Feed</a>
    </span>
  );
}

export default function HomePage() {
  const config = getConfig();
  const { categories, profile } = config;
  const union = categories.join("+");
  const example = categories[0] ?? "cs.LG";
  return (
    <main>
      <h1>arxiv-rss-bot</h1>
      <p className="lead">
        Each day&apos;s arXiv announcement, ranked by your keywords, as feeds for your reader. The top{" "}
        {profile.limit} papers of each announcement day, from the last {config.daysBack} days.
      </p>

      <table className="feeds">
        <thead>
          <tr>
            <th>Feed</th>
            <th>Subscribe</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>
              All configured categories <span className="name">({categories.join(", ")})</span>
            </td>
            <td>
              <FeedLinks path="" />
            </td>
          </tr>
          {categories.map((c) => (
            <tr key={c}>
              <td>
                <code>{c}</code> <span className="name">{categoryName(c)}</span>
              </td>
              <td>
                <FeedLinks path={`/${c}`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Any category, any combination, your own keywords</h2>
      <ul className="examples">
        <li>
          <a href={`/rss/${example}`}>
            <code>/rss/{example}</code>
          </a>{" "}
          — one category (any arXiv category works, e.g. <code>/rss/math.CO</code>)
        </li>
        <li>
          <a href={`/atom/${union}`}>
            <code>/atom/{union}</code>
          </a>{" "}
          — several at once, each paper once
        </li>
        <li>
          <a href={`/rss/${example}?keywords=LLM,inference^2&exclude=survey&limit=10`}>
            <code>/rss/{example}?keywords=LLM,inference^2&amp;exclude=survey&amp;limit=10</code>
          </a>{" "}
          — your own keywords (<code>^2</code> doubles a weight)
        </li>
        <li>
          <code>?types=new,cross</code>, <code>?min_score=2</code>, <code>?match=word</code> (or <code>prefix</code>,{" "}
          <code>substring</code>)
        </li>
      </ul>

      <h2>Ranked by</h2>
      <p className="keywords">
        {profile.keywords.length
          ? profile.keywords.map((k) => (k.weight === 1 ? k.term : `${k.term}×${k.weight}`)).join(", ")
          : "No keywords: papers in arXiv order."}
        {profile.exclude.length ? ` — excluding ${profile.exclude.join(", ")}` : ""}
      </p>
    </main>
  );
}

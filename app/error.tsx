"use client";
// The page shown when rendering fails unexpectedly; the details went to the server log.

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="error-view" aria-labelledby="error-heading">
      <p className="status">500</p>
      <h1 id="error-heading">Something went wrong</h1>
      <p>The page could not be built. It has been logged; the feeds may still work.</p>
      <p>
        <button type="button" onClick={reset}>
          Try again
        </button>{" "}
        <a href="/">Go to today&apos;s papers</a>
      </p>
    </section>
  );
}

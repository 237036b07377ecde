# The old Python bot's pipeline, for `npm run bench`: feedparser's parse of the arXiv feed, then the seed's
# score (score = A + title_weight * T: A keywords found in the title or abstract, T in the title, each a
# case-insensitive substring, as the project's "substring" mode reproduces), exclusions, the announce-type
# filter and the sort. Kept in one process and timed inside it (time.perf_counter), so that the bench can
# interleave its runs with ours without counting Python's start-up.
#
# Protocol, one JSON object a line: the first line on stdin is the setup
#   {"file": path, "keywords": [[term, weight], ...], "exclude": [...], "titleWeight": 0.5, "types": [...]}
# then "run" answers {"ms", "cpuMs", "parseMs", "scoreMs", "entries", "matched"}, "scores" answers [[id, score], ...]
# for every paper that passes, and "quit" ends.
import json
import re
import sys
import time

import feedparser

PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*[\w-]+\s*(?:Abstract:\s*)?")
VERSION = re.compile(r"v\d+$")

setup = json.loads(sys.stdin.readline())
with open(setup["file"], "rb") as f:
    data = f.read()
seen = set()
keywords = []
for term, weight in setup["keywords"]:
    low = term.lower()
    if low not in seen:
        seen.add(low)
        keywords.append((low, weight))
exclude = [x.lower() for x in setup["exclude"]]
title_weight = setup["titleWeight"]
types = set(setup["types"])


def score(entries):
    ranked = []
    for e in entries:
        title = e.get("title", "")
        summary = e.get("summary", "")
        m = PREFIX.match(summary)
        abstract = summary[m.end():] if m else summary
        if e.get("arxiv_announce_type", "new") not in types:
            continue
        t_low = title.lower()
        a_low = abstract.lower()
        if any(x in t_low or x in a_low for x in exclude):
            continue
        a = 0.0
        t = 0.0
        for kw, weight in keywords:
            in_title = kw in t_low
            if in_title or kw in a_low:
                a += weight
            if in_title:
                t += weight
        if keywords and a == 0:
            continue
        arxiv_id = VERSION.sub("", e.get("id", "").replace("oai:arXiv.org:", ""))
        ranked.append((a + title_weight * t, t, arxiv_id, title))
    ranked.sort(key=lambda r: (-r[0], -r[1]))
    return ranked


def answer(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    command = line.strip()
    if command == "run":
        cpu = time.process_time()
        start = time.perf_counter()
        parsed = feedparser.parse(data)
        parsed_at = time.perf_counter()
        ranked = score(parsed.entries)
        end = time.perf_counter()
        answer({
            "ms": (end - start) * 1000,
            "cpuMs": (time.process_time() - cpu) * 1000,
            "parseMs": (parsed_at - start) * 1000,
            "scoreMs": (end - parsed_at) * 1000,
            "entries": len(parsed.entries),
            "matched": len(ranked),
        })
    elif command == "scores":
        answer([[r[2], r[0]] for r in score(feedparser.parse(data).entries)])
    elif command == "quit":
        break

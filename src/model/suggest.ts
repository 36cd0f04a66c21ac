// "Did you mean": the known names closest to a misspelt one, by edit distance
// (optimal string alignment: insertions, deletions, substitutions and swaps
// of two neighbouring characters, each costing 1; case is ignored). A name is
// close when its distance is at most a third of the longer name's length
// (at least 1), so `rr` suggests nothing for `lc` but `foward` finds `forward`.

/** Edit distance between `a` and `b` (Damerau-Levenshtein, optimal string alignment variant). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows: the one before the previous (for swaps), the previous, the current.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Longest input compared: longer ones are not typos of a short name, and the work stays small. */
const MAX_LENGTH = 64;

/** Whether `candidate` is close enough to `word` to be suggested for it. */
export function isClose(word: string, candidate: string): boolean {
  return distanceIfClose(word, candidate) !== undefined;
}

function distanceIfClose(word: string, candidate: string): number | undefined {
  if (word.length > MAX_LENGTH || candidate.length > MAX_LENGTH) return undefined;
  const a = word.toLowerCase();
  const b = candidate.toLowerCase();
  const limit = Math.max(1, Math.floor(Math.max(a.length, b.length) / 3));
  if (Math.abs(a.length - b.length) > limit) return undefined;
  const d = editDistance(a, b);
  return d <= limit ? d : undefined;
}

/**
 * The candidates closest to `word` (all of those at the smallest distance, in
 * the candidates' order, at most `max`), or [] when none is close. `word`
 * itself is never suggested.
 */
export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  let best = Infinity;
  let found: string[] = [];
  for (const c of candidates) {
    if (c === word) continue;
    const d = distanceIfClose(word, c);
    if (d === undefined || d > best) continue;
    if (d < best) {
      best = d;
      found = [];
    }
    if (!found.includes(c)) found.push(c);
  }
  return found.slice(0, max);
}

/** `did you mean "a"?`, `did you mean "a" or "b"?`; '' for none. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => JSON.stringify(s));
  const list = quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)!}`;
  return `did you mean ${list}?`;
}

/** Suggestions for a mistyped parameter name: Plan's error and the CLI's `--param` check. */

/**
 * Names within a few edits of `name`, or ending with it (a name given without its source and
 * operator), nearest first. Hand-written: a dozen lines, not worth a dependency.
 */
export function closeMatches(name: string, candidates: readonly string[], limit = 5): string[] {
  const lower = name.toLowerCase();
  const budget = Math.max(2, Math.floor(name.length / 8));
  return candidates
    .map((candidate) => {
      const c = candidate.toLowerCase();
      const suffix = c.endsWith(`.${lower}`) || c.endsWith(`#${lower}`);
      return { candidate, distance: suffix ? 0 : editDistance(lower, c) };
    })
    .filter(({ distance }) => distance <= budget)
    .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length]!;
}

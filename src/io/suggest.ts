// "Did you mean": the closest known name by edit distance, for unknown flags and unknown config keys.

/** Levenshtein distance (insert, delete, substitute). */
export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/**
 * The known name closest to `name`, when it is close enough to be a typo: at most `maxDistance` edits, and
 * (by default) at most a third of the name's length, never less than 2 (`instance_cuont` → `instance_count`).
 */
export function closestName(
  name: string,
  known: Iterable<string>,
  maxDistance = Math.max(2, Math.floor(name.length / 3)),
): string | undefined {
  // An edit distance to a name far longer than any known one is pointless (and quadratic).
  if (name.length > 100) return undefined;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const k of known) {
    if (k === name) continue;
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = k;
    }
  }
  return best !== undefined && bestScore <= maxDistance ? best : undefined;
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring letters
 * (`--prot` for `--port`) as one each (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/**
 * The known option (or command) closest to a mistyped `--flag` (compared without its dashes), or undefined when none is
 * close: at most a third of the longer name may differ, so `--treshold` finds `threshold` but `--x`
 * finds nothing. A known option that starts with what was typed (`--thr`) also counts.
 */
export function closestName(typed: string, known: string[]): string | undefined {
  const name = typed.replace(/^-+/, '').toLowerCase();
  if (!name) return undefined;
  let best: { flag: string; d: number } | undefined;
  for (const flag of known) {
    const d = flag.startsWith(name) && name.length >= 2 ? 0.5 : editDistance(name, flag);
    if (d <= Math.max(1, Math.floor(Math.max(name.length, flag.length) / 3)) && (!best || d < best.d))
      best = { flag, d };
  }
  return best?.flag;
}

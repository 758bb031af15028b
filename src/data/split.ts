/** FNV-1a 32-bit: a stable string hash for seeded, order-independent split rules. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Carves a validation part out of the training IDs: IDs are ranked by hash(seed:id) and the first
 * `fraction` go to validation. The rule depends only on the ID set and the seed, not on file order, so the
 * same validation set comes back on any machine.
 */
export function carveValidation(
  ids: string[],
  fraction: number,
  seed: number,
): { train: string[]; val: string[] } {
  if (fraction <= 0) return { train: [...ids], val: [] };
  const ranked = [...ids].sort(
    (a, b) => hashString(`${seed}:${a}`) - hashString(`${seed}:${b}`) || (a < b ? -1 : 1),
  );
  const nVal = Math.max(1, Math.round(ids.length * fraction));
  const val = new Set(ranked.slice(0, nVal));
  return { train: ids.filter((id) => !val.has(id)), val: ids.filter((id) => val.has(id)) };
}

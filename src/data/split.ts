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
 * Carves a validation part out of the training IDs: groups (by default each ID is its own group) are
 * ranked by hash(seed:group) and taken in that order until `fraction` of the IDs are held out. The rule
 * depends only on the ID set, the grouping and the seed, not on file order, so the same validation set
 * comes back on any machine. Grouping keeps near-duplicates together: frames of one video sequence must
 * not sit on both sides, or validation reads too high.
 */
export function carveValidation(
  ids: string[],
  fraction: number,
  seed: number,
  groupOf: (id: string) => string = (id) => id,
): { train: string[]; val: string[] } {
  if (fraction <= 0) return { train: [...ids], val: [] };
  const members = new Map<string, string[]>();
  for (const id of ids) {
    const g = groupOf(id);
    members.set(g, [...(members.get(g) ?? []), id]);
  }
  const ranked = [...members.keys()].sort(
    (a, b) => hashString(`${seed}:${a}`) - hashString(`${seed}:${b}`) || (a < b ? -1 : 1),
  );
  const nVal = Math.max(1, Math.round(ids.length * fraction));
  const val = new Set<string>();
  for (const g of ranked) {
    if (val.size >= nVal) break;
    for (const id of members.get(g)!) val.add(id);
  }
  return { train: ids.filter((id) => !val.has(id)), val: ids.filter((id) => val.has(id)) };
}

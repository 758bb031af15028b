import { readFile } from 'node:fs/promises';
import { PolypsegError } from '../errors.ts';

/**
 * Reads a group table: one `ID GROUP` pair per line (whitespace-separated), blank lines and `#` comments
 * ignored; a line `FIRST-LAST GROUP` covers the numeric IDs FIRST..LAST (video frames by sequence).
 */
export async function readGroups(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolypsegError(`cannot read group file ${file}: ${(err as Error).message}`, 'SPLIT_MISSING');
  }
  const groups = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [key, group, extra] = line.split(/\s+/);
    if (!group || extra !== undefined)
      throw new PolypsegError(`group file ${file} line ${n + 1}: expected 'ID GROUP'`, 'SPLIT_INVALID');
    const range = /^(\d+)-(\d+)$/.exec(key!);
    const ids = range ? numericRange(Number(range[1]), Number(range[2])) : [key!];
    for (const id of ids) {
      if (groups.has(id))
        throw new PolypsegError(`group file ${file} assigns '${id}' twice`, 'SPLIT_INVALID');
      groups.set(id, group);
    }
  });
  return groups;
}

function numericRange(first: number, last: number): string[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => String(first + i));
}

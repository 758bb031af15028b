import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { IMAGE_EXTENSIONS } from '../data/locations.ts';
import { PolypsegError } from '../errors.ts';

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
const WILDCARD = /[*?[]/;

/**
 * The images to segment from the command line's inputs, in order, without duplicates: a file, a folder
 * (its image files, sorted, not recursive), or a pattern with `*`, `?` or `[...]` in its file name
 * (quoted, so the shell leaves it to us; e.g. 'scans/*.jpg'). An input that names nothing is an error.
 */
export async function listInputs(inputs: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) files.push(...(await expand(input)));
  return [...new Set(files)];
}

async function expand(input: string): Promise<string[]> {
  if (WILDCARD.test(basename(input))) return expandPattern(input);
  let info;
  try {
    info = await stat(input);
  } catch {
    throw new PolypsegError(`input ${input} does not exist`, 'INPUT_MISSING');
  }
  if (info.isFile()) return [input];
  const names = (await readdir(input)).filter(isImage).sort();
  if (names.length === 0)
    throw new PolypsegError(`no images (${IMAGE_EXTENSIONS.join(' ')}) in ${input}`, 'INPUT_EMPTY');
  return names.map((n) => join(input, n));
}

async function expandPattern(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  if (WILDCARD.test(dir))
    throw new PolypsegError(
      `wildcards only work in the file name, not in the folder: ${pattern}`,
      'INPUT_PATTERN',
    );
  const re = patternRegExp(basename(pattern));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new PolypsegError(`folder ${dir} of ${pattern} does not exist`, 'INPUT_MISSING');
  }
  const matches = names.filter((n) => re.test(n) && isImage(n)).sort();
  if (matches.length === 0) throw new PolypsegError(`no images match ${pattern}`, 'INPUT_EMPTY');
  return matches.map((n) => join(dir, n));
}

/** Shell-style file-name pattern -> RegExp: `*` any run, `?` one character, `[...]` a set. */
function patternRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

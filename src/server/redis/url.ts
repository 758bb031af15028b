import type { RedisOptions } from 'ioredis';
import { PolypsegError } from '../../errors.ts';

/** A parsed `redis://[user:password@]HOST[:PORT][/DB]` address. */
export interface RedisTarget {
  /** the address without its password, safe for logs and /healthz */
  url: string;
  options: Pick<RedisOptions, 'host' | 'port' | 'db' | 'username' | 'password' | 'tls'>;
}

/** Parses and checks a queue address; throws a PolypsegError saying what is wrong with it. */
export function parseRedisUrl(raw: string): RedisTarget {
  const bad = (why: string) =>
    new PolypsegError(
      `queue address '${redact(raw)}': ${why} (expected redis://HOST:PORT[/DB])`,
      'BAD_CONFIG',
    );
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`unsupported scheme ${u.protocol}`);
  if (!u.hostname) throw bad('no host');
  if (u.search || u.hash) throw bad('no query or fragment allowed');
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) throw bad(`database '${dbText}' is not a number`);
  const port = u.port ? Number(u.port) : 6379;
  return {
    url: redact(raw),
    options: {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      db: dbText === '' ? 0 : Number(dbText),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/** The address with any password replaced by `***`. */
function redact(raw: string): string {
  return raw.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}

import { Redis } from 'ioredis';
import { OrchError } from '../../core/errors.ts';

export interface RedisCheck {
  /** Things a demanding operator should fix (AOF off); printed once, not fatal. */
  warnings: string[];
}

/** A URL we can hand to ioredis, or a one-line usage error. */
export function parseRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OrchError('usage', `invalid --redis ${JSON.stringify(url)}: give a URL such as redis://127.0.0.1:6379`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new OrchError('usage', `invalid --redis ${JSON.stringify(url)}: the scheme must be redis:// or rediss://`);
  return url;
}

/**
 * A connection for BullMQ (`maxRetriesPerRequest: null`: commands wait through a Redis restart
 * instead of failing). The first contact fails fast with a clear error, so nothing is enqueued
 * half-way against a server that is not there.
 */
export async function connectRedis(url: string, o: { connectTimeoutMs?: number } = {}): Promise<{ redis: Redis; check: RedisCheck }> {
  const probe = new Redis(parseRedisUrl(url), { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: o.connectTimeoutMs ?? 3000, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined); // reported below, once
  try {
    await probe.connect();
    const policy = await configValue(probe, 'maxmemory-policy');
    if (policy !== null && policy !== 'noeviction') {
      throw new OrchError('config_invalid', `Redis at ${redact(url)} has maxmemory-policy ${policy}: evicted keys corrupt queues`, { hint: 'set maxmemory-policy noeviction (redis.conf or CONFIG SET)' });
    }
    const aof = await configValue(probe, 'appendonly');
    const warnings = aof === 'no' ? [`Redis at ${redact(url)} runs without AOF (appendonly no): a Redis crash may lose queued jobs; set appendonly yes`] : [];
    const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(2000, 50 * n) });
    redis.on('error', () => undefined); // reconnects on its own; commands wait (maxRetriesPerRequest null)
    return { redis, check: { warnings } };
  } catch (e) {
    if (e instanceof OrchError) throw e;
    throw new OrchError('unavailable', `Redis at ${redact(url)} is unreachable: ${(e as Error).message}`, { hint: 'start redis-server, or check the --redis URL; nothing was enqueued' });
  } finally {
    probe.disconnect();
  }
}

/** CONFIG may be renamed or disabled on managed Redis: then we cannot check, and say nothing. */
async function configValue(r: Redis, key: string): Promise<string | null> {
  try {
    const v = (await r.config('GET', key)) as string[];
    return v[1] ?? null;
  } catch {
    return null;
  }
}

/** Never print a password from a URL. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

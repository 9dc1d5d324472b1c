import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { onTestFinished } from 'vitest';
import { Redis } from 'ioredis';
import { tempDir } from './repo.ts';

export interface RedisServer {
  url: string;
  port: number;
  dir: string;
  /** SHUTDOWN (AOF flushed) and start again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  client(): Redis;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A real redis-server (Debian's, installed by .ci/run) on loopback, configured as orch's docs say
 * for production: AOF on (fsync always here, so a restart test is exact) and noeviction.
 */
export async function startRedis(o: { policy?: string } = {}): Promise<RedisServer> {
  const dir = tempDir('orch-redis-');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', o.policy ?? 'noeviction', '--protected-mode', 'no'];
  let proc: ChildProcess | null = null;
  const clients: Redis[] = [];
  const start = async (): Promise<void> => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    const until = Date.now() + 10_000;
    for (;;) {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      r.on('error', () => undefined);
      try {
        await r.connect();
        await r.ping();
        r.disconnect();
        return;
      } catch {
        r.disconnect();
        if (Date.now() > until) throw new Error(`redis-server did not start on ${port}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGTERM'); // redis-server flushes the AOF and exits on SIGTERM
    await gone;
  };
  await start();
  onTestFinished(async () => {
    for (const c of clients) c.disconnect();
    await stop();
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    client: () => {
      const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
  };
}

import type { Redis } from 'ioredis';

// Reservations are atomic (one Lua script each), so workers on many machines cannot together
// take more than the convoy's budget; each may overrun its grant by at most one model call.
const RESERVE = `
local budget = redis.call('HGET', KEYS[1], 'budget')
if not budget then return '-1' end
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then return held end
local left = tonumber(budget) - tonumber(redis.call('HGET', KEYS[1], 'spent') or '0') - tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local grant = math.min(tonumber(ARGV[2]), left)
if grant <= 0 then return '0' end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', grant)
redis.call('HSET', KEYS[2], ARGV[1], tostring(grant))
return tostring(grant)`;

const SETTLE = `
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return 0 end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', -tonumber(held))
redis.call('HINCRBYFLOAT', KEYS[1], 'spent', tonumber(ARGV[2]))
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

/** A convoy's shared budget on Redis: reserve before launching, settle after (idempotent per job). */
export class BudgetLedger {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(redis: Redis, queue: string) {
    this.redis = redis;
    this.prefix = `orch:${queue}`;
  }

  private keys(convoyId: string): [string, string] {
    return [`${this.prefix}:budget:${convoyId}`, `${this.prefix}:reserved:${convoyId}`];
  }

  /** The dispatcher sets the budget; `spent` starts from what git records and is never reset by a restart. */
  async open(convoyId: string, budget: number | null, spentSoFar: number): Promise<void> {
    const [ledger] = this.keys(convoyId);
    if (budget === null) {
      await this.redis.del(ledger);
      return;
    }
    await this.redis.multi().hset(ledger, 'budget', String(budget)).hsetnx(ledger, 'spent', String(spentSoFar)).hsetnx(ledger, 'reserved', '0').exec();
  }

  /** USD granted to this job (at most `want`); null when the convoy has no budget; 0 when it is spent. */
  async reserve(convoyId: string, jobId: string, want: number | null): Promise<number | null> {
    const got = Number(await this.redis.eval(RESERVE, 2, ...this.keys(convoyId), jobId, String(want ?? Number.MAX_SAFE_INTEGER)));
    return got < 0 ? null : got;
  }

  /** Release the grant and add what was really spent (the whole grant when the cost is unknown). */
  async settle(convoyId: string, jobId: string, spent: number | null): Promise<void> {
    const [ledger, reserved] = this.keys(convoyId);
    const held = await this.redis.hget(reserved, jobId);
    if (held === null) return;
    await this.redis.eval(SETTLE, 2, ledger, reserved, jobId, String(spent ?? Number(held)));
  }

  async state(convoyId: string): Promise<{ budget: number; spent: number; reserved: number } | null> {
    const h = await this.redis.hgetall(this.keys(convoyId)[0]);
    if (h['budget'] === undefined) return null;
    return { budget: Number(h['budget']), spent: Number(h['spent'] ?? 0), reserved: Number(h['reserved'] ?? 0) };
  }
}

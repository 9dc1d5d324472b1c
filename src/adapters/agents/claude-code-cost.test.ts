import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { genaiPriceTable } from '../prices/genai-prices.ts';
import { chargeFor, readRestoredCost, repriceUnknown } from './claude-code-cost.ts';
import { claudeResultSchema, type ClaudeResult } from './stream-json.ts';
import type { AgentOutcome } from './types.ts';

const M = 'claude-sonnet-4-5-20250929';
const result = (total: number, input: number, cost: number) =>
  claudeResultSchema.parse({ type: 'result', subtype: 'success', is_error: false, total_cost_usd: total, modelUsage: { [M]: { inputTokens: input, outputTokens: 14, costUSD: cost } } });

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('chargeFor', () => {
  it('a new session is charged its whole total', () => {
    expect(chargeFor(result(0.003105, 1000, 0.003105), { resumed: false, restored: null, previousCumulative: null })).toEqual({
      costUsd: 0.003105,
      cumulativeCostUsd: 0.003105,
      modelUsage: { [M]: { inputTokens: 1000, outputTokens: 14, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.003105 } },
    });
  });

  it('a CLI that carried the total over (2.1.331 numbers) is charged only the delta', () => {
    const restored = { totalCostUsd: 0.006855, modelUsage: { [M]: { inputTokens: 2000, outputTokens: 7, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUSD: 0.006855 } } };
    const c = chargeFor(result(0.01371, 4000, 0.01371), { resumed: true, restored, previousCumulative: 0.006855 });
    expect(c.costUsd).toBe(0.006855);
    expect(c.cumulativeCostUsd).toBe(0.01371);
    expect(c.modelUsage[M]).toMatchObject({ inputTokens: 2000, outputTokens: 7, costUsd: 0.006855 });
  });

  it('a CLI that did not carry it over (2.1.197) is charged its own total; the caller’s total still accumulates', () => {
    const c = chargeFor(result(0.006105, 2000, 0.006105), { resumed: true, restored: null, previousCumulative: 0.003105 });
    expect(c).toMatchObject({ costUsd: 0.006105, cumulativeCostUsd: 0.00921 });
  });

  it('a total below the restored one means nothing was carried over', () => {
    const c = chargeFor(result(0.001, 100, 0.001), { resumed: true, restored: { totalCostUsd: 0.5, modelUsage: {} }, previousCumulative: 0.5 });
    expect(c).toMatchObject({ costUsd: 0.001, cumulativeCostUsd: 0.501 });
  });

  it('a resume with no known previous total has an unknown cumulative, never a guessed one', () => {
    expect(chargeFor(result(0.002, 100, 0.002), { resumed: true, restored: null, previousCumulative: null })).toMatchObject({ costUsd: 0.002, cumulativeCostUsd: null });
    const noTotal = claudeResultSchema.parse({ type: 'result', subtype: 'error_during_execution', is_error: true });
    expect(chargeFor(noTotal, { resumed: true, restored: null, previousCumulative: 0.1 })).toMatchObject({ costUsd: null, cumulativeCostUsd: null });
  });
});

describe('readRestoredCost', () => {
  it('reads the last cost-state line of the session transcript under CLAUDE_CONFIG_DIR', () => {
    dir = mkdtempSync(join(tmpdir(), 'orch-cost-'));
    const project = join(dir, 'projects', '-tmp-some-project');
    mkdirSync(project, { recursive: true });
    const lines = [
      { type: 'user', message: { role: 'user', content: 'hi' } },
      { type: 'cost-state', sessionId: 'sid', totalCostUSD: 0.006855, modelUsage: { [M]: { inputTokens: 2000, outputTokens: 7, costUSD: 0.006855 } } },
      { type: 'cost-state', sessionId: 'sid', totalCostUSD: 0.01371, modelUsage: { [M]: { inputTokens: 4000, outputTokens: 14, costUSD: 0.01371 } } },
    ];
    writeFileSync(join(project, 'sid.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"type":"cost-state","totalCo');
    const env = { CLAUDE_CONFIG_DIR: dir };
    expect(readRestoredCost(env, 'sid')).toEqual({
      totalCostUsd: 0.01371,
      modelUsage: { [M]: { inputTokens: 4000, outputTokens: 14, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUSD: 0.01371 } },
    });
    expect(readRestoredCost(env, 'other')).toBeNull();
    expect(readRestoredCost({ CLAUDE_CONFIG_DIR: join(dir, 'missing') }, 'sid')).toBeNull();
  });
});

describe('repriceUnknown', () => {
  const result = (costBasis: string, model: string): ClaudeResult =>
    ({ type: 'result', subtype: 'success', is_error: false, total_cost_usd: 0.02, modelUsage: { [model]: { inputTokens: 1000, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUSD: 0.02, costBasis } } }) as unknown as ClaudeResult;
  const outcome = (model: string): AgentOutcome =>
    ({ ok: true, costUsd: 0.02, cumulativeCostUsd: 0.02, modelUsage: { [model]: { inputTokens: 1000, outputTokens: 100, cacheReadInputTokens: 0, cacheCreationInputTokens: 0, costUsd: 0.02 } }, errors: [] }) as unknown as AgentOutcome;
  const prices = genaiPriceTable();

  it('re-prices a model Claude Code priced at a default rate with orch’s table', () => {
    const r = repriceUnknown(outcome('claude-haiku-4-5'), result('unknown', 'claude-haiku-4-5'), prices);
    expect(r.costUsd).toBeCloseTo((1000 * 1 + 100 * 5) / 1e6, 9);
    expect(r.modelUsage['claude-haiku-4-5']?.costUsd).toBeCloseTo(0.0015, 9);
  });

  it('keeps Claude Code’s list-priced figures, and says so when nobody knows the model', () => {
    expect(repriceUnknown(outcome('claude-haiku-4-5'), result('list', 'claude-haiku-4-5'), prices).costUsd).toBe(0.02);
    const r = repriceUnknown(outcome('mystery-model-9'), result('unknown', 'mystery-model-9'), prices);
    expect(r.costUsd).toBe(0.02);
    expect(r.errors.join()).toMatch(/mystery-model-9: .*prices\.yaml/);
  });
});

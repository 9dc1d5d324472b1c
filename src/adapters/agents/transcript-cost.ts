import { costOf, UsageLedger } from '../../core/cost/scan.ts';
import type { PriceTable } from '../../core/prices/price-table.ts';
import { readTranscriptFrom } from '../transcripts/read.ts';
import { findTranscript } from './claude-code-cost.ts';

/**
 * What a Claude Code conversation cost, from its transcript: each call once (deduped on message
 * and request id, keeping the most tokens), priced by the table. For a session whose process was
 * killed before it printed its result. null when there is no transcript or a call cannot be priced.
 */
export async function transcriptCost(env: NodeJS.ProcessEnv, agentSessionId: string, prices: PriceTable): Promise<number | null> {
  const file = findTranscript(env, agentSessionId);
  if (!file) return null;
  const read = await readTranscriptFrom(file, 0);
  const ledger = new UsageLedger();
  for (const r of read.records) ledger.add(r);
  let total = 0;
  for (const r of ledger.records()) {
    const cost = costOf(r, 'auto', prices);
    if (cost === null) return null;
    total += cost;
  }
  return Math.round(total * 1e6) / 1e6;
}

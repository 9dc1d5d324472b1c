import { costReport } from '../../../core/cost/report.ts';
import { openFromOptions } from '../../context.ts';
import { output, type CommonOptions } from '../../io.ts';
import { sessionTable, spentLine } from './format.ts';

export async function run(o: CommonOptions & { epic: string }): Promise<number> {
  const { deps } = await openFromOptions(o);
  const r = await costReport(deps, o.epic);
  const data = { epicId: r.epicId, spent: r.budget.spent, budget: r.budget.budget, remaining: r.budget.remaining, exhausted: r.budget.exhausted, unknown: r.unknown, sessions: r.sessions.map((s) => ({ sessionId: s.sessionId, sessionNumber: s.sessionNumber, status: s.status, costUsd: s.costUsd, unknown: s.unknown })) };
  output(o, data, () => `${spentLine(r)}\n\n${sessionTable(r)}`);
  return 0;
}

import { setBudget } from '../../../core/cost/report.ts';
import { openFromOptions } from '../../context.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';
import { money } from '../../render/format.ts';
import { renderBudget } from '../../render/session.ts';

export async function run(o: CommonOptions & { epic: string }, args: string[]): Promise<number> {
  const raw = args[0];
  if (raw === undefined) throw usageError('give the budget in USD', `e.g. orch cost budget 5.00 --epic ${o.epic}`);
  const { deps } = await openFromOptions(o);
  const r = await setBudget(deps, o.epic, raw);
  output(o, r, (d) => `${d.from === d.to ? 'budget unchanged' : `budget ${money(d.from)} → ${money(d.to)}`}; ${renderBudget(d.budget)}`);
  return 0;
}

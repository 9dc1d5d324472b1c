import { costReport } from '../../../core/cost/report.ts';
import { openFromOptions } from '../../context.ts';
import { output, usageError, type CommonOptions } from '../../io.ts';
import { amount, modelTable, sessionTable, spentLine } from './format.ts';

interface Opts extends CommonOptions {
  epic: string;
  format?: string;
}

export async function run(o: Opts): Promise<number> {
  const format = o.format ?? (o.json ? 'json' : 'text');
  if (format !== 'text' && format !== 'json') throw usageError(`unknown format ${JSON.stringify(format)}`, 'use --format text or --format json');
  const { deps } = await openFromOptions(o);
  const r = await costReport(deps, o.epic);
  output({ ...o, json: format === 'json' }, r, () => {
    const perSession = r.sessions.flatMap((s) => [
      `session ${s.sessionNumber} (${s.sessionId}, ${s.status}): ${amount({ usd: s.costUsd, unknown: s.unknown })}`,
      ...Object.entries(s.models).map(([m, a]) => `  ${m}: ${amount(a)}`),
    ]);
    return [spentLine(r), '', 'By session', sessionTable(r), ...(perSession.length ? ['', ...perSession] : []), '', 'By model', modelTable(r)].join('\n');
  });
  return 0;
}

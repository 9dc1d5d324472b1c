import path from 'node:path';
import { existsSync } from 'node:fs';
import { convoyPorts } from '../../../adapters/convoy/wiring.ts';
import { GitConvoyStore } from '../../../adapters/store/convoy-store.ts';
import { foldConvoy, type IssueState } from '../../../core/convoy/state.ts';
import { OrchError } from '../../../core/errors.ts';
import type { AgentRef, Convoy, TrackerRef } from '../../../schema/convoy.ts';
import { openFromOptions } from '../../context.ts';
import type { CommonOptions } from '../../io.ts';
import { money, table } from '../../render/format.ts';

export async function openConvoys(o: CommonOptions): Promise<Awaited<ReturnType<typeof openFromOptions>> & { convoys: GitConvoyStore }> {
  const opened = await openFromOptions(o);
  return { ...opened, convoys: new GitConvoyStore(opened.repo, opened.deps.clock, opened.deps.ids) };
}

export function trackerRef(top: string, o: { tasks?: string; beads?: string }): TrackerRef {
  if (o.tasks && o.beads) throw new OrchError('usage', '--tasks and --beads exclude each other');
  if (o.tasks) {
    const p = path.resolve(top, o.tasks);
    if (!existsSync(p)) throw new OrchError('usage', `no task file at ${p}`);
    return { kind: 'task-file', path: p };
  }
  const ws = path.resolve(top, o.beads ?? '.');
  if (!o.beads && !existsSync(path.join(ws, '.beads'))) {
    throw new OrchError('usage', 'no tracker: this repository has no .beads directory', { hint: 'pass --tasks <file.yaml|file.md> for a task file, or --beads <workspace>' });
  }
  return { kind: 'beads', workspace: ws };
}

export function agentRef(o: { agent?: string; command?: string; costField?: string; model?: string }): AgentRef {
  const name = o.agent ?? 'claude';
  if (name === 'claude') return { name, ...(o.model ? { model: o.model } : {}) };
  if (name === 'command') {
    if (!o.command?.trim()) throw new OrchError('usage', '--agent command needs --command "<cmdline>"');
    return { name, command: o.command, ...(o.costField ? { costField: o.costField } : {}) };
  }
  throw new OrchError('usage', `unknown agent ${JSON.stringify(name)}: use claude or command`);
}

export function renderConvoy(c: Convoy, issues: IssueState[], spent: number): string {
  const rows = issues.map((i) => [i.id, i.status, String(i.attempts), String(i.restarts), i.unknownCosts ? `${money(i.costUsd)} + unknown` : money(i.costUsd), i.reasons.at(-1)?.slice(0, 60) ?? '']);
  return [
    `convoy ${c.id} "${c.name}" (epic ${c.epicId})${c.cancelled ? ' — CANCELLED' : ''}`,
    `integration branch ${c.integrationBranch}; spent ${money(spent)}${c.budget === null ? '' : ` of ${money(c.budget)}`}`,
    table(rows, ['ISSUE', 'STATUS', 'ATTEMPTS', 'RESTARTS', 'COST', 'LAST']),
  ].join('\n');
}

export async function convoyView(o: CommonOptions, id: string, epic?: string): Promise<{ convoy: Convoy; issues: IssueState[]; spent: number }> {
  const { deps, repo, convoys } = await openConvoys(o);
  const { findConvoy } = await import('../../../core/convoy/create.ts');
  const convoy = await findConvoy(convoys, id, epic);
  const st = foldConvoy(convoy, await convoys.events(convoy.epicId, convoy.id));
  const ports = convoyPorts({ deps, repo, convoy, env: process.env, stop: new AbortController().signal });
  return { convoy, issues: [...st.issues.values()], spent: await ports.spent(convoy, st) };
}

import { Option, type Command } from 'commander';
import { leaf, type Action } from '../../leaf.ts';

type Mod = Record<string, Action>;
/** Several verbs share one module: pick the export that implements this one. */
const pick = (load: () => Promise<unknown>, name: string) => async (): Promise<{ run: Action }> => ({ run: ((await load()) as Mod)[name]! });
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `orch reflect|postmortem|metrics` (issue 7): the learning loop over recorded events. */
export function registerLearning(program: Command): void {
  const R = (): Promise<unknown> => import('./reflect.ts');
  const reflect = program.command('reflect').description('learnings from recorded runs, written into the rule files');
  for (const kind of ['convoy', 'epic'] as const) {
    const cmd = leaf(reflect, `${kind} <id>`, `find learnings in a${kind === 'epic' ? 'n' : ''} ${kind}'s recorded events`, pick(R, kind))
      .option('--min-confidence <n>', 'drop learnings below this confidence (0–1; default learning.minConfidence in .orch/config.yaml, else 0.6)')
      .option('--llm', 'also ask the agent for lessons (structured output; evidence checked)')
      .option('--model <id>', 'model for --llm')
      .option('--llm-budget <usd>', 'cap the --llm run, USD', '1');
    if (kind === 'convoy') cmd.option('--epic <id>', 'epic of the convoy');
  }
  leaf(reflect, 'apply <reflection-id>', "write a reflection's learnings into the rule files (orch-managed section)", pick(R, 'apply'))
    .option('--dry-run', 'print the diff; change nothing')
    .option('--branch <name>', 'commit the change on this new branch instead of the working tree');
  leaf(reflect, 'pending', 'learnings not applied yet (deduplicated across reflections)', pick(R, 'pending'));
  leaf(reflect, 'list', 'every reflection', pick(R, 'list'));
  leaf(reflect, 'report', 'markdown report of all reflections', pick(R, 'report')).option('--output <file>', 'write it to this file');

  const P = (): Promise<unknown> => import('./postmortem.ts');
  const pm = program.command('postmortem').description('incident postmortems: timeline, root cause, prevention rules and checks');
  leaf(pm, 'create <issue-id>', 'start a postmortem for a tracker issue', pick(P, 'create'))
    .option('--auto-analyze', 'analyse at once')
    .option('--auto-rules', 'and generate prevention rules (implies --auto-analyze)')
    .option('--epic <id>', 'look only at this epic (repeatable; default: all)', collect)
    .option('--tasks <file>', 'a task file as the tracker')
    .option('--beads <workspace>', 'the beads workspace (default: this repository)');
  leaf(pm, 'analyze <pm-id>', 'assemble the timeline and the root cause from recorded events and commits', pick(P, 'analyze'));
  leaf(pm, 'rules <pm-id>', 'generate prevention rules (status review)', pick(P, 'rules'));
  leaf(pm, 'show <pm-id>', 'show a postmortem', pick(P, 'show'));
  leaf(pm, 'approve <pm-id>', 'approve all rules, or only those given with --rule', pick(P, 'approve')).option('--rule <id>', 'approve this rule (repeatable)', collect);
  leaf(pm, 'apply <pm-id>', 'write approved rules into the rule files and their checks into the gates config', pick(P, 'apply')).option('--dry-run', 'print the changes only');
  leaf(pm, 'list', 'every postmortem', pick(P, 'list')).addOption(new Option('--status <s>', 'only this status').choices(['draft', 'analyzing', 'review', 'approved', 'applied']));

  const M = (): Promise<unknown> => import('./metrics.ts');
  const metrics = program.command('metrics').description('work metrics from recorded events: cycle and lead time, iterations, cost, reviewer efficacy');
  leaf(metrics, 'convoy <id>', "a convoy's metrics", pick(M, 'convoy')).option('--epic <id>', 'epic of the convoy').option('--save', 'keep them (history per target)');
  leaf(metrics, 'epic <id>', "an epic's metrics (its convoys and its own sessions)", pick(M, 'epic')).option('--save', 'keep them (history per target)');
  leaf(metrics, 'report <target>', 'report of saved (or live epic) metrics', pick(M, 'report'))
    .addOption(new Option('--format <f>', 'md, json or html').choices(['md', 'json', 'html']).default('md'))
    .option('--output <file>', 'write it to this file');
  leaf(metrics, 'compare <a> <b>', 'two targets side by side', pick(M, 'compare'));
  leaf(metrics, 'summary', 'totals over saved targets (an epic is not counted twice through its convoys)', pick(M, 'summary'));
  leaf(metrics, 'list', 'saved targets', pick(M, 'list'));
}

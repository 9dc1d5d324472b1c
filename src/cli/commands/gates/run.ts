import { runProjectGates } from '../../../adapters/gates/project-gates.ts';
import { systemClock } from '../../../adapters/clock.ts';
import { openFromOptions } from '../../context.ts';
import { note, output, type CommonOptions } from '../../io.ts';
import { renderGateRun } from '../../render/gates.ts';

export async function run(o: CommonOptions): Promise<number> {
  const { repo } = await openFromOptions(o);
  const r = await runProjectGates(repo.top, systemClock, {
    onEvent: (e) => {
      if (e.type === 'gate_start' && !o.json) note(`running ${e.name}: ${e.command.join(' ')}`);
    },
  });
  if (!r) {
    output(o, { run: null, message: 'no gates found: no test/typecheck/lint scripts, pyproject, go.mod or Cargo.toml, and none in .orch/config.yaml' }, (d) => d.message);
    return 0;
  }
  output(o, { run: r }, (d) => renderGateRun(d.run, { color: process.stdout.isTTY && !process.env.NO_COLOR }));
  return r.ok ? 0 : 1;
}

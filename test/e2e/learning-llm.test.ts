import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeDoubleEnv } from '../../src/adapters/model-double/claude-env.ts';
import { startModelDouble, turn, type ModelDouble } from '../../src/adapters/model-double/index.ts';
import { listPriceUsd } from '../support/claude-double.ts';
import { orch, orchAsync } from '../support/cli.ts';
import { g, gitRepo, tempDir } from '../support/repo.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/learning');
const recorded = JSON.parse(readFileSync(path.join(FIXTURES, 'recorded-events.json'), 'utf8')) as Record<string, { events: { id: string; type: string }[] }>;

let double: ModelDouble | null = null;
afterEach(async () => {
  await double?.close();
  double = null;
});

async function rig(turns: Parameters<typeof startModelDouble>[0]): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  double = await startModelDouble(turns);
  const dir = gitRepo({ 'CLAUDE.md': '# app\n' });
  g(dir, 'fetch', '-q', path.join(FIXTURES, 'recorded.bundle'), 'refs/orchestration/*:refs/orchestration/*');
  return { dir, env: claudeDoubleEnv({ baseUrl: double.url, maxRetries: 0, configDir: tempDir('orch-cc-') }).env };
}

describe('orch reflect --llm (real Claude Code, model double, structured output)', () => {
  it('lessons citing recorded events are kept with their evidence; made-up evidence is dropped; the pass cost is measured', async () => {
    const gateEvents = recorded.fixing!.events.filter((e) => e.type === 'gate.run').map((e) => e.id);
    const { dir, env } = await rig({
      turns: [
        turn.structured(
          {
            lessons: [
              { title: 'Create files the gate forbids only on purpose', rule: 'Do not leave scratch files such as broken.txt in the tree; the check gate fails on them.', evidence: gateEvents, confidence: 0.95 },
              { title: 'Invented', rule: 'Always deploy on Fridays.', evidence: ['ev_does_not_exist'], confidence: 0.9 },
            ],
          },
          { input: 4000, output: 300 },
        ),
      ],
    });
    const r = await orchAsync(dir, ['reflect', 'epic', 'fixing', '--llm', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const refl = (r.json() as { reflection: { learnings: { kind: string; evidence: string[]; confidence: number; rule: string }[]; llm: { costUsd: number; dropped: number } } }).reflection;
    const llm = refl.learnings.filter((l) => l.kind === 'llm');
    expect(llm).toEqual([expect.objectContaining({ evidence: gateEvents, confidence: 0.8, rule: expect.stringMatching(/broken\.txt/) })]);
    expect(refl.learnings.filter((l) => l.kind !== 'llm').map((l) => l.kind)).toEqual(['repeated_command_failure', 'gate_correction', 'permission_denial']);
    expect(refl.llm.dropped).toBe(1);
    expect(refl.llm.costUsd).toBeCloseTo(listPriceUsd(4000, 300), 6);
    // The model saw the recorded events with their ids.
    const body = double!.requests.find((q) => q.kind === 'turn')!.rawBody;
    expect(body).toContain(gateEvents[0]);
    expect(body).toContain('StructuredOutput');
  });

  it('no structured answer: exit 1, a clear message, and no reflection saved', async () => {
    const { dir, env } = await rig({ turns: [turn.text('I think things went fine.')] });
    const r = await orchAsync(dir, ['reflect', 'epic', 'fixing', '--llm'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--llm pass .*(failed|no valid structured answer)/);
    expect(orch(dir, ['reflect', 'list', '--json']).json()).toMatchObject({ reflections: [] });
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTrackerIssues } from '../../core/brief/build.ts';
import { briefTrackerOrReason, openBriefTracker, parseTrackerConfigText } from './tracker-config.ts';

const FILE = '/repo/.orch/config.yaml';

function project(config: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-tracker-config-'));
  mkdirSync(path.join(dir, '.git'));
  mkdirSync(path.join(dir, '.orch'));
  writeFileSync(path.join(dir, '.orch/config.yaml'), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('tracker: section of .orch/config.yaml', () => {
  it('maps onto the convoy tracker descriptor, paths relative to the directory holding .orch/', () => {
    expect(parseTrackerConfigText('gates: [test]\n', FILE)).toBeUndefined();
    expect(parseTrackerConfigText('tracker:\n  kind: tasks\n  path: TASKS.md\n  parent: E1\n', FILE)).toEqual({ file: FILE, base: '/repo', ref: { kind: 'task-file', path: 'TASKS.md' }, parent: 'E1' });
    expect(parseTrackerConfigText('tracker: { kind: task-file, path: plan/tasks.yaml }\n', FILE)).toEqual({ file: FILE, base: '/repo', ref: { kind: 'task-file', path: 'plan/tasks.yaml' } });
    expect(parseTrackerConfigText('tracker: { kind: beads, bin: /opt/bd, parent: bd-a1 }\n', FILE)).toEqual({ file: FILE, base: '/repo', ref: { kind: 'beads', workspace: '.', bin: '/opt/bd' }, parent: 'bd-a1' });
  });

  it.each([
    ['tracker: { kind: jira }', 'tracker.kind: must be one of task-file, tasks, beads'],
    ['tracker: { kind: tasks }', 'tracker.path: is required'],
    ['tracker: { kind: tasks, path: "" }', 'tracker.path: must not be empty'],
    ['tracker: { kind: beads, path: x.md }', 'tracker: Unrecognized key: "path"'],
    ['tracker: beads', 'tracker: Invalid input: expected object, received string'],
  ])('%s is one config_invalid line naming the field', (text, problem) => {
    expect(() => parseTrackerConfigText(text, FILE)).toThrow(expect.objectContaining({ code: 'config_invalid', exitCode: 2, message: `${FILE}: ${problem}`, hint: 'fix the tracker section of .orch/config.yaml' }));
  });

  it('opens a task file tracker found from a subdirectory, with its parent', async () => {
    const dir = project('tracker: { kind: tasks, path: TASKS.md, parent: E1 }\n', { 'TASKS.md': '- [ ] E1: epic\n  - [x] T1: done one\n  - [~] T2: doing\n- [ ] X9: elsewhere\n' });
    mkdirSync(path.join(dir, 'src'));
    const opened = await openBriefTracker(path.join(dir, 'src'));
    expect(opened).toMatchObject({ trackerParent: 'E1', trackerTimeoutMs: 10_000 });
    expect(opened.tracker?.kind).toBe('task-file');
    const listed = await listTrackerIssues(opened);
    expect(listed?.issues.map((i) => `${i.id}:${i.status}`)).toEqual(['T1:closed', 'T2:in_progress']);
  });

  it('no config file or no section: no tracker', async () => {
    expect(await openBriefTracker(project('epic: auth\n'))).toEqual({});
    const bare = mkdtempSync(path.join(tmpdir(), 'orch-tracker-config-'));
    mkdirSync(path.join(bare, '.git'));
    expect(await openBriefTracker(bare)).toEqual({});
  });

  it('for hooks, a bad section becomes "unavailable" rather than an error', async () => {
    const dir = project('tracker: { kind: jira }\n');
    await expect(openBriefTracker(dir)).rejects.toMatchObject({ code: 'config_invalid' });
    const r = await briefTrackerOrReason(dir, 500);
    expect(r.tracker).toBeUndefined();
    expect(r.problem).toMatch(/config\.yaml: tracker\.kind: must be one of task-file, tasks, beads — fix the tracker section/);
    expect(r.trackerUnavailable).toBe(r.problem);
  });

  it('a beads tracker whose bd is missing answers "unavailable" quickly', async () => {
    const dir = project('tracker: { kind: beads, bin: /nonexistent/bd }\n');
    const opened = await briefTrackerOrReason(dir, 2000);
    expect(opened.tracker?.kind).toBe('beads');
    const listed = await listTrackerIssues(opened);
    expect(listed?.error).toMatch(/beads CLI not found: \/nonexistent\/bd/);
  });
});

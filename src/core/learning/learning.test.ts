import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../schema/event.ts';
import { EVENT } from '../../schema/events.ts';
import { CONVOY_EVENT } from '../convoy/events.ts';
import { REVIEW_EVENT } from '../review/events.ts';
import { detectLearnings } from './detectors.ts';
import { L_EVENT } from './events.ts';
import { checkLessons } from './llm.ts';
import { analyze, approve, generateRules, newPostmortem, transition } from './postmortem.ts';
import { filesNamed, type IncidentSources } from './incident.ts';
import { buildReflection, pendingLearnings } from './reflect.ts';
import { BEGIN, END, mergeSection, presentIds } from './rule-section.ts';

interface Dump {
  events: SessionEvent[];
  epicEvents: SessionEvent[];
}
/** Recorded by test/fixtures/learning/record.ts: real Claude Code against the model double. */
const recorded = JSON.parse(readFileSync(new URL('../../../test/fixtures/learning/recorded-events.json', import.meta.url), 'utf8')) as Record<string, Dump>;
const fixing = recorded.fixing!.events;

let n = 0;
const ev = (type: string, payload: Record<string, unknown> = {}, session = 1): SessionEvent => ({ id: `ev_${String(++n).padStart(4, '0')}`, at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), type, sessionId: `ses_${session}`, sessionNumber: session, ...payload });

describe('event vocabulary', () => {
  it('the literals the detectors read are the writers’ constants', () => {
    expect(L_EVENT).toMatchObject({
      sessionStarted: EVENT.sessionStarted, sessionCompleted: EVENT.sessionCompleted, sessionFailed: EVENT.sessionFailed, toolError: EVENT.agentToolError,
      agentResult: EVENT.agentResult, costCharged: EVENT.costCharged, budgetExceeded: EVENT.budgetExceeded, gateRun: EVENT.gateRun,
      reviewFinding: REVIEW_EVENT.finding, reviewAddressed: REVIEW_EVENT.addressed, reviewDismissed: REVIEW_EVENT.dismissed,
      convoySession: CONVOY_EVENT.session, convoyMerged: CONVOY_EVENT.merged, convoyMergeConflict: CONVOY_EVENT.mergeConflict,
      convoySentBack: CONVOY_EVENT.sentBack, witnessRestart: CONVOY_EVENT.witnessRestart, trackerClosed: CONVOY_EVENT.closed,
    });
  });
});

describe('detectors', () => {
  it('on a recorded run: the repeated command, the gate correction and the permission denial, with evidence of the right events', () => {
    const ls = detectLearnings(fixing);
    const byId = new Map(fixing.map((e) => [e.id, e]));
    expect(ls.map((l) => [l.kind, l.confidence])).toEqual([['repeated_command_failure', 0.85], ['gate_correction', 0.7], ['permission_denial', 0.6]]);
    const [cmd, gate, denied] = ls;
    expect(cmd!.evidence.map((id) => byId.get(id)?.type)).toEqual(['agent.tool_error', 'agent.tool_error', 'agent.tool_error']);
    expect(cmd!.rule).toMatch(/`ls missing-dir` failed 3 times in 2 sessions/);
    expect(gate!.evidence.map((id) => [byId.get(id)?.phase, byId.get(id)?.sessionNumber])).toEqual([['final', 1], ['final', 2]]);
    expect(byId.get(denied!.evidence[0]!)?.type).toBe('agent.result');
    expect(detectLearnings(recorded.spending!.events).map((l) => l.kind)).toEqual(['budget_overrun']);
  });

  it('convoy and review events: files that conflict repeatedly, witness restarts, recurring findings of one kind', () => {
    const events = [
      ev('convoy.merge_conflict', { issueId: 'a-1', files: ['src/db.ts', 'README.md'] }),
      ev('convoy.merge_conflict', { issueId: 'a-2', files: ['src/db.ts'] }),
      ev('witness.restart', { issueId: 'a-3' }),
      ev('witness.restart', { issueId: 'a-3' }),
      ev('review.finding', { findingId: 'f1', reviewer: 'security', file: 'src/a.ts', finding: 'SQL injection: user input concatenated into query', suggestion: 'use parameters' }),
      ev('review.finding', { findingId: 'f2', reviewer: 'security', file: 'src/b.ts', finding: 'SQL injection: request input concatenated into query string' }),
      ev('review.finding', { findingId: 'f3', reviewer: 'quality', file: 'src/b.ts', finding: 'function is too long' }),
    ];
    const ls = detectLearnings(events);
    expect(ls.map((l) => l.kind).sort()).toEqual(['merge_conflict_files', 'recurring_review_finding', 'witness_restart']);
    expect(ls.find((l) => l.kind === 'merge_conflict_files')!.title).toBe('src/db.ts conflicted in 2 merges');
    expect(ls.find((l) => l.kind === 'recurring_review_finding')!.evidence).toEqual([events[4]!.id, events[5]!.id]);
  });

  it('malformed payloads are skipped, never thrown on; one of a kind is not a lesson', () => {
    const junk = [ev('agent.tool_error', { command: 42 }), ev('agent.tool_error', {}), ev('gate.run', { results: 'x', regressions: null }), ev('agent.result', { permissionDenials: [null, 3, { toolName: 5 }] }), ev('convoy.merge_conflict', { files: [1, null] }), ev('agent.tool_error', { command: 'make' })];
    expect(detectLearnings(junk)).toEqual([]);
  });

  it('ids are stable: the same lesson in two reflections is pending once', () => {
    const a = buildReflection({ id: 'refl_a', target: { type: 'epic', id: 'fixing', epicId: 'fixing' }, events: fixing, sessions: 2, createdAt: 't1' });
    const b = buildReflection({ id: 'refl_b', target: { type: 'epic', id: 'fixing', epicId: 'fixing' }, events: fixing, sessions: 2, createdAt: 't2', minConfidence: 0.65 });
    expect(b.learnings.map((l) => l.id)).toEqual(a.learnings.slice(0, 2).map((l) => l.id));
    const p = pendingLearnings([a, b]);
    expect(p.map((x) => x.learning.id)).toEqual(a.learnings.map((l) => l.id));
    expect(p[0]!.reflections).toEqual(['refl_a', 'refl_b']);
    const applied = { ...a, applied: { [a.learnings[0]!.id]: { at: 't', files: ['CLAUDE.md'], branch: null, commit: null } } };
    expect(pendingLearnings([applied, b]).map((x) => x.learning.id)).toEqual(a.learnings.slice(1).map((l) => l.id));
  });

  it('model lessons citing events that do not exist are dropped; confidence is capped', () => {
    const r = checkLessons({ lessons: [{ title: 't', rule: 'Check the dir exists', evidence: [fixing[3]!.id, 'ev_made_up'], confidence: 1 }, { title: 'x', rule: 'y', evidence: ['ev_nope'], confidence: 0.9 }] }, fixing);
    expect(r.dropped).toBe(1);
    expect(r.learnings).toEqual([expect.objectContaining({ kind: 'llm', evidence: [fixing[3]!.id], confidence: 0.8 })]);
  });
});

describe('managed section in rule files', () => {
  const entries = [{ id: 'L-0123456789', title: 'a', rule: 'do a' }, { id: 'L-abcdefabcd', title: 'b', rule: 'do b\n  on two lines' }];
  const userText = fc.string({ maxLength: 200 }).filter((s) => !s.includes('<!-- orch:'));

  it('property: applying twice equals applying once; the user text before the block is kept byte for byte', () => {
    fc.assert(
      fc.property(userText, fc.integer({ min: 0, max: 2 }), (text, k) => {
        const once = mergeSection(text, entries.slice(0, k));
        const twice = mergeSection(once.text, entries.slice(0, k));
        expect(twice.text).toBe(once.text);
        expect(twice.added).toEqual([]);
        expect(once.text.startsWith(text)).toBe(true);
        const all = mergeSection(once.text, entries);
        expect(presentIds(all.text).sort()).toEqual(entries.map((e) => e.id).sort());
        expect(all.text.startsWith(text)).toBe(true);
      }),
    );
  });

  it('user text after the block is untouched when entries are added later', () => {
    const first = mergeSection('# Project\n', entries.slice(0, 1)).text + '\n## My own notes\nkeep me\n';
    const next = mergeSection(first, entries).text;
    expect(next.endsWith('<!-- orch:end learnings -->\n\n## My own notes\nkeep me\n')).toBe(true);
    expect(next.split('\n').filter((l) => l.includes('orch:id'))).toHaveLength(2);
    expect(next).toContain('do b on two lines');
  });

  it('a damaged block is refused, not guessed at', () => {
    expect(() => mergeSection(`x\n${BEGIN}\n`, entries)).toThrow(/damaged/);
    expect(() => mergeSection(`${END}\n${BEGIN}\n`, entries)).toThrow(/damaged/);
  });
});

describe('postmortem', () => {
  const src = (events: SessionEvent[]): IncidentSources => ({
    issueId: 'app-7',
    files: ['src/db.ts'],
    createdAt: '2026-01-01T00:00:00.000Z',
    closedAt: '2026-01-02T00:00:00.000Z',
    sessions: [{ epicId: 'e', sessionId: 'ses_1', sessionNumber: 1, checkpointId: 'ckpt-1', files: ['src/db.ts'], events }],
    otherEvents: [],
    commits: [{ sha: 'a'.repeat(40), at: '2026-01-01T12:00:00.000Z', subject: 'fix query' }],
  });
  const base = newPostmortem({ id: 'pm_1', issue: { id: 'app-7', title: 'SQL injection in src/db.ts', description: '', createdAt: null, closedAt: null, files: ['src/db.ts'] }, epicIds: [], at: 't0' });

  it('files named in issue text', () => {
    expect(filesNamed('Crash in `src/db.ts` and lib/x.test.ts (see https://x.io/a.html, v1.2.3). Also README.md.')).toEqual(['README.md', 'lib/x.test.ts', 'src/db.ts']);
  });

  it('draft → analyzing → review → approved → applied; every other move is refused', () => {
    expect(() => transition(base, 'rules', 't')).toThrow(expect.objectContaining({ code: 'illegal_transition', exitCode: 3 }));
    expect(() => transition(base, 'approve', 't')).toThrow(/draft: approve needs review/);
    expect(() => transition(base, 'apply', 't')).toThrow(/approve it first|approved/);
    const finding = ev('review.finding', { findingId: 'f1', reviewer: 'security', severity: 'critical', file: 'src/db.ts', quote: '+  const q = "SELECT * FROM users WHERE id = " + id;', finding: 'SQL injection', suggestion: 'use parameters' });
    const a = analyze(base, src([ev('session.started', { task: 'users' }), finding]), 't1');
    expect(a.status).toBe('analyzing');
    expect(a.rootCause).toEqual({ category: 'security', summary: expect.stringMatching(/SQL injection/), evidence: [finding.id] });
    expect(a.timeline.map((t) => t.source)).toEqual(['tracker', 'checkpoint', 'event', 'event', 'commit', 'tracker']);
    const r = generateRules(a, [finding], 't2');
    expect(r.status).toBe('review');
    expect(r.rules).toEqual([expect.objectContaining({ check: { kind: 'forbidden_pattern', name: 'pm-app-7-forbid-1', pattern: 'const q = "SELECT * FROM users WHERE id = " + id;', paths: [] } })]);
    expect(() => transition(r, 'apply', 't')).toThrow(/review: apply needs approved/);
    expect(() => approve(r, ['R-0000000000'], 't')).toThrow(/no rule R-0000000000/);
    const ok = approve(r, null, 't3');
    expect(transition(ok, 'apply', 't4').history.map((h) => h.status)).toEqual(['draft', 'analyzing', 'review', 'approved', 'applied']);
  });

  it('nothing recorded about the files: root cause unknown, no rules, nothing to approve', () => {
    const a = analyze(base, { ...src([]), sessions: [] }, 't1');
    expect(a.rootCause?.category).toBe('unknown');
    const r = generateRules(a, [], 't2');
    expect(r.rules).toEqual([]);
    expect(() => approve(r, null, 't3')).toThrow(/no prevention rules/);
  });
});

import type { Convoy } from '../../schema/convoy.ts';
import type { TrackerIssue } from '../tracker/types.ts';
import { CONVOY_EVENT as E } from './events.ts';
import { appendConvoy, type ConvoyPorts, type ConvoyRunResult, type RunningWorker, type WorkerExit } from './runner.ts';
import { dispatchable, foldConvoy, type ConvoyState } from './state.ts';
import { budgetShare } from './state.ts';
import { witnessDecisions } from './witness.ts';

/**
 * The dispatcher: claims and starts workers up to `workers`, respecting dependency order and the
 * shared budget; merges finished issues one at a time; restarts stale workers (the witness) within
 * caps. Everything it decides is recorded, so a killed runner resumes without redoing finished
 * issues and without claiming twice.
 */
export async function runConvoy(ports: ConvoyPorts, epicId: string, convoyId: string, workers: number): Promise<ConvoyRunResult> {
  const say = (l: string): void => ports.onProgress?.(l);
  let convoy = (await ports.store.get(epicId, convoyId))!;
  const record = async (events: { type: string; [k: string]: unknown }[]): Promise<void> => {
    convoy = await appendConvoy(ports.store, epicId, convoyId, events, undefined, convoy);
  };
  const fold = async (): Promise<ConvoyState> => foldConvoy(convoy, await ports.store.events(epicId, convoyId));
  const tracked = new Map<string, TrackerIssue>((await ports.tracker.show(convoy.issues)).map((i) => [i.id, i]));
  const running = new Map<string, RunningWorker>();
  /** Budget shares handed to the running workers (by issue), set aside from what is left. */
  const shares = new Map<string, number>();
  const exits = new Map<string, Promise<{ issueId: string; workerId: string; exit: WorkerExit }>>();
  /** Exits that happened, by worker: the ones still in `exits` are not recorded yet. */
  const settled = new Map<string, { issueId: string; workerId: string; exit: WorkerExit }>();
  const settle = (issueId: string, w: RunningWorker): Promise<{ issueId: string; workerId: string; exit: WorkerExit }> =>
    w.exited.then((exit) => {
      const x = { issueId, workerId: w.workerId, exit };
      if (exits.has(w.workerId)) settled.set(w.workerId, x); // a worker the witness stopped is not waited for
      return x;
    });

  // A runner that died left issues "running" with no worker: they restart from their last checkpoint.
  let st = await fold();
  // A remote engine's job may still run: adopt it instead of starting the issue twice.
  const orphans = [...st.issues.values()].filter((i) => i.status === 'running');
  const lost: typeof orphans = [];
  for (const i of orphans) {
    const w = i.workerId && ports.adopt ? await ports.adopt({ convoy, issue: tracked.get(i.id)!, workerId: i.workerId, attempt: Math.max(1, i.attempts), budgetShare: null, previousSessionId: i.sessionIds.at(-1) ?? null, sentBack: i.reasons }) : null;
    if (!w) {
      lost.push(i);
      continue;
    }
    running.set(i.id, w);
    exits.set(w.workerId, settle(i.id, w));
    say(`adopted ${i.id} (worker ${w.workerId}): its job still runs`);
  }
  if (lost.length) await record(lost.map((i) => ({ type: E.witnessRestart, issueId: i.id, workerId: i.workerId, reason: 'the convoy runner was restarted' })));

  for (;;) {
    st = await fold();
    if (ports.stop.aborted || st.cancelled) {
      await Promise.all([...running.values()].map((w) => w.stop()));
      return result(st, st.cancelled ? 'cancelled' : 'stopped');
    }
    // Merge queue: one at a time, in the order issues finished. The tracker closes and the journal
    // records of a pass are written together (one task-file write, one journal write): a runner
    // killed before they land merges those issues again on resume, which git finds already merged.
    const merged: { issueId: string; reason: string }[] = [];
    const outcomes: { type: string; [k: string]: unknown }[] = [];
    const told: string[] = [];
    for (const i of [...st.issues.values()].filter((x) => x.status === 'merging')) {
      const reviewed = convoy.requireReview && ports.review ? await ports.review(convoy, i.id) : { ok: true, reason: '', sessionId: null };
      if (reviewed.sessionId) await record([{ type: E.review, issueId: i.id, orchSessionId: reviewed.sessionId, ok: reviewed.ok }]);
      if (reviewed.ok) say(`merging ${i.id} into ${convoy.integrationBranch}`);
      const m = reviewed.ok ? await ports.merge(convoy, i.id) : ({ ok: false, kind: 'gate', files: [], reason: reviewed.reason } as const);
      if (m.ok) {
        merged.push({ issueId: i.id, reason: `merged into ${convoy.integrationBranch} by orch convoy ${convoy.id} (sessions ${i.sessionIds.join(', ')})` });
        outcomes.push({ type: E.merged, issueId: i.id, commit: m.commit, files: m.files }, { type: E.closed, issueId: i.id });
        told.push(`  ${i.id} merged and closed`);
      } else {
        if (m.kind === 'conflict') outcomes.push({ type: E.mergeConflict, issueId: i.id, files: m.files });
        outcomes.push(i.attempts >= convoy.maxAttempts ? { type: E.issueFailed, issueId: i.id, reason: m.reason } : { type: E.sentBack, issueId: i.id, reason: m.reason, attempt: i.attempts });
        told.push(`  ${i.id} sent back: ${m.reason}`);
      }
    }
    await allSettled(merged.map((x) => ports.tracker.close(x.issueId, x.reason)));
    if (outcomes.length) await record(outcomes);
    told.forEach(say);
    st = await fold();
    // An issue whose blocker failed cannot be done in this convoy.
    const failedIds = new Set([...st.issues.values()].filter((i) => i.status === 'failed').map((i) => i.id));
    const blocked = [...st.issues.values()].filter((i) => i.status === 'pending' && (tracked.get(i.id)?.dependencies ?? []).some((d) => failedIds.has(d.id)));
    if (blocked.length) await record(blocked.map((i) => ({ type: E.issueFailed, issueId: i.id, reason: 'blocked by a failed issue' })));
    const exhausted = [...st.issues.values()].filter((i) => i.status === 'pending' && i.attempts >= convoy.maxAttempts);
    if (exhausted.length) await record(exhausted.map((i) => ({ type: E.issueFailed, issueId: i.id, reason: `${i.attempts} attempts: ${i.reasons.at(-1) ?? 'not done'}` })));
    st = await fold();

    const spent = convoy.budget === null ? 0 : await ports.spent(convoy, st); // no budget: nothing to share out
    const budgetLeft = convoy.budget === null || spent < convoy.budget;
    const picks = (budgetLeft ? dispatchable(convoy, st, tracked) : []).slice(0, Math.max(0, workers - running.size));
    // The claims are recorded with the dispatches, before any worker starts: a resumed runner never
    // claims twice. Claims of one pass go to the tracker together (a task file is written once).
    await allSettled(picks.filter((id) => !st.issues.get(id)!.claimed).map((id) => ports.tracker.claim(id, `orch:${convoy.id}`)));
    const launches: Parameters<ConvoyPorts['launchWorker']>[0][] = [];
    const dispatched: { type: string; [k: string]: unknown }[] = [];
    let outstanding = [...running.keys()].reduce((a, k) => a + (shares.get(k) ?? 0), 0);
    for (const [n, id] of picks.entries()) {
      const s = st.issues.get(id)!;
      const workerId = ports.newWorkerId();
      const share = budgetShare(convoy.budget, spent, { outstanding, freeSlots: workers - running.size - n });
      if (share !== null) {
        shares.set(id, share);
        outstanding += share;
      }
      const attempt = s.restartPending ? Math.max(1, s.attempts) : s.attempts + 1;
      // A restarted issue's old session is fenced: its zombie writer fails its next checkpoint.
      if (s.restartPending && s.sessionIds.length) await ports.fence(s.sessionIds.at(-1)!);
      if (!s.claimed) dispatched.push({ type: E.claimed, issueId: id });
      dispatched.push({ type: E.dispatched, issueId: id, workerId, attempt, branch: `orch/${convoy.id}/${id}`, budgetShare: share });
      launches.push({ convoy, issue: tracked.get(id)!, workerId, attempt, budgetShare: share, previousSessionId: s.sessionIds.at(-1) ?? null, sentBack: s.reasons });
    }
    if (dispatched.length) await record(dispatched);
    for (const launch of launches) {
      const w = await ports.launchWorker(launch);
      running.set(launch.issue.id, w);
      exits.set(launch.workerId, settle(launch.issue.id, w));
      say(`dispatched ${launch.issue.id} (attempt ${launch.attempt}, worker ${launch.workerId}${launch.budgetShare === null ? '' : `, share $${launch.budgetShare.toFixed(4)}`})`);
    }
    st = await fold();
    if (running.size === 0 && ![...st.issues.values()].some((i) => i.status === 'merging')) {
      const left = dispatchable(convoy, st, tracked);
      if (left.length === 0 || !budgetLeft) {
        if (st.finished) await record([{ type: E.finished, done: [...st.issues.values()].filter((i) => i.status === 'done').length }]);
        return result(await fold(), st.finished ? 'finished' : 'budget');
      }
    }
    const tick = new Promise<null>((r) => setTimeout(() => r(null), ports.pollMs ?? 1000));
    const next = await Promise.race([...exits.values(), tick]);
    // Every worker that ended by now is recorded in one write (with eight workers, several end per pass).
    const ended = next ? [...settled.values()].filter((x) => exits.has(x.workerId)) : [];
    for (const x of ended) {
      exits.delete(x.workerId);
      settled.delete(x.workerId);
      // A restarted issue may already have a new worker: only its own worker's exit frees the slot.
      if (running.get(x.issueId)?.workerId === x.workerId) running.delete(x.issueId);
    }
    if (ended.length) await record(ended.map(({ issueId, workerId, exit }) => ({ type: E.workerExited, issueId, workerId, code: exit.code, done: exit.done, costUsd: exit.costUsd, summary: exit.summary })));
    for (const { issueId, exit } of ended) {
      for (const title of exit.discovered) {
        const created = await ports.tracker.create({ title, description: `Discovered while working on ${issueId} in convoy ${convoy.id}.`, type: 'task', priority: 2, discoveredFrom: issueId });
        await record([{ type: E.discovered, issueId, newIssueId: created.id, title }]);
      }
      say(`${issueId}: worker ${exit.done ? 'done' : `not done (${exit.summary})`}`);
    }
    await witness(ports, convoy, running, exits, record, await fold(), say);
  }
}

/** Stale workers are stopped and restarted from their last checkpoint, within a cap (the witness). */
async function witness(
  ports: ConvoyPorts,
  convoy: Convoy,
  running: Map<string, RunningWorker>,
  exits: Map<string, Promise<unknown>>,
  record: (e: { type: string; [k: string]: unknown }[]) => Promise<void>,
  st: ConvoyState,
  say: (l: string) => void,
): Promise<void> {
  // A standalone witness (orch witness start) does this job when it runs.
  if (await ports.externalWitness?.()) return;
  const pulses = [...running.values()].map((w) => ({ workerId: w.workerId, issueId: w.issueId, lastProgress: w.lastProgress(), alive: true }));
  for (const d of witnessDecisions(convoy, st, pulses, { staleMinutes: convoy.staleMinutes, maxRestarts: convoy.maxRestarts }, ports.clock.now())) {
    const w = running.get(d.issueId);
    say(`witness: ${d.issueId} ${d.reason}; ${d.action === 'restart' ? 'restarting it from its last checkpoint' : 'giving up on it'}`);
    running.delete(d.issueId);
    if (w) exits.delete(w.workerId);
    await w?.stop();
    if (d.escalate) await ports.tracker.comment(d.issueId, `orch convoy ${convoy.id}: ${d.reason}, ${st.issues.get(d.issueId)?.restarts ?? 0} restart(s) already; giving up on this issue`).catch(() => undefined);
    await record(d.events);
  }
}

/** Every tracker call of a batch ends before the first failure is thrown: none is left running behind it. */
async function allSettled(calls: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function result(st: ConvoyState, stoppedBy: ConvoyRunResult['stoppedBy']): ConvoyRunResult {
  const by = (s: string): string[] => [...st.issues.values()].filter((i) => i.status === s).map((i) => i.id);
  return { done: by('done'), failed: by('failed'), pending: [...by('pending'), ...by('running'), ...by('merging')], stoppedBy };
}

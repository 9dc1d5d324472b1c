/**
 * What each Claude Code hook does to the epic bound to the repository. Returns the hook's stdout
 * (null = print nothing); the CLI turns every error into a log line and exit 0.
 */
import type { CoreDeps } from '../../core/deps.ts';
import { isOrchError } from '../../core/errors.ts';
import { budgetStatus, usd } from '../../core/budget.ts';
import { chargeNewCalls, type CostDelta } from '../../core/hooks/cost.ts';
import { denyToolOutput, sessionStartOutput, type HookInput } from '../../core/hooks/input.ts';
import type { HookEvent } from '../../core/hooks/settings.ts';
import { budgetDenyReason, budgetWithPending, stopShouldCheckpoint, type HookState } from '../../core/hooks/state.ts';
import type { PriceTable } from '../../core/prices/price-table.ts';
import { writeCheckpoint, type EventInput } from '../../core/session/checkpoint.ts';
import { chargeCost } from '../../core/session/context.ts';
import { pauseSession } from '../../core/session/finish.ts';
import { isLive } from '../../core/session/lifecycle.ts';
import { sessionFromCheckpoint } from '../../core/session/load.ts';
import { startSession, type StartResult } from '../../core/session/start.ts';
import type { Checkpoint } from '../../schema/checkpoint.ts';
import { EVENT } from '../../schema/events.ts';
import { briefTrackerOrReason } from '../brief/tracker-config.ts';
import { readHookState, writeHookState } from './state-file.ts';
import { readTranscriptDelta } from './transcript-delta.ts';

export interface HookRuntime {
  deps: CoreDeps;
  gitDir: string;
  /** Loaded only when there is a transcript delta to price (the table costs start-up time). */
  prices(): Promise<PriceTable>;
  /** The epic from `.orch/config.yaml` / ORCH_EPIC (read lazily: PreToolUse of an unbound repo stays cheap). */
  boundEpic(): Promise<string | null>;
  /** Runs writes that must finish together (checkpoint, then state): the 2 s guard waits for them. */
  critical<T>(fn: () => Promise<T>): Promise<T>;
  log(level: 'info' | 'error', message: string): Promise<void>;
  /** Milliseconds left before the hook's deadline (it answers within 2 s). */
  timeLeftMs(): number;
}

export async function handleHook(event: HookEvent, input: HookInput, rt: HookRuntime): Promise<string | null> {
  switch (event) {
    case 'SessionStart':
      return sessionStart(input, rt);
    case 'PreToolUse':
      return preToolUse(input, rt);
    case 'PreCompact':
    case 'Stop':
    case 'SessionEnd':
      await record(event, input, rt);
      return null;
  }
}

/** The tracker gets what the deadline leaves after this (the session start still to write), at least 100 ms. */
const AFTER_TRACKER_MS = 1000;

function briefFor(r: StartResult, claudeSessionId: string): string {
  const head = `orch: this Claude Code session (${claudeSessionId}) is session ${r.session.number} (${r.session.id}) of epic ${r.session.epicId}; its checkpoints and cost are recorded by hooks.`;
  const budget = r.budget.budget === null ? `Spent so far: $${r.budget.spent.toFixed(2)} (no budget set).` : `Budget: $${r.budget.spent.toFixed(2)} spent of $${r.budget.budget.toFixed(2)}.`;
  return [head, ...(r.warning ? [`Warning: ${r.warning}.`] : []), r.resumeBrief ?? budget].join('\n\n');
}

/**
 * Start an orch session for this Claude session. At SessionStart it resumes the epic and takes over
 * sessions left running by a crash; later (our session was paused or taken over meanwhile) it starts
 * alongside the others, so two Claude windows cannot keep taking each other's session.
 */
async function startFor(input: HookInput, epicId: string, rt: HookRuntime, prev: HookState | null, atSessionStart: boolean): Promise<{ state: HookState; start: StartResult }> {
  const tips = await rt.deps.store.listSessions(epicId);
  const resume = tips.length > 0;
  // Only a resume has a brief; the tracker configured in .orch/config.yaml feeds its Issues section.
  const { problem, ...briefTracker } = resume ? await briefTrackerOrReason(input.cwd, Math.max(100, rt.timeLeftMs() - AFTER_TRACKER_MS)) : {};
  if (problem !== undefined) await rt.log('error', `tracker unavailable for the brief: ${problem}`);
  const start = await startSession(rt.deps, { epicId, resume, concurrent: !atSessionStart, briefTracker });
  const now = rt.deps.clock.now().toISOString();
  const state: HookState = {
    schemaVersion: 1,
    claudeSessionId: input.session_id,
    epicId,
    orchSessionId: start.session.id,
    startedAt: start.session.startedAt,
    brief: briefFor(start, input.session_id),
    // What this Claude session already spent was charged to the earlier orch session: keep the marks.
    offsets: prev?.offsets ?? {},
    seen: prev?.seen ?? {},
    lastStopCheckpointAt: null,
    lastCheckpointAt: now,
    costThresholdFiredFor: null,
  };
  await rt.critical(() => writeHookState(rt.gitDir, state));
  await rt.log('info', `SessionStart: claude ${input.session_id} → ${epicId} session ${start.session.number} (${start.session.id})`);
  return { state, start };
}

async function sessionStart(input: HookInput, rt: HookRuntime): Promise<string | null> {
  const epicId = await rt.boundEpic();
  if (epicId === null) {
    await rt.log('info', 'SessionStart: no epic bound (set epic: in .orch/config.yaml or ORCH_EPIC); nothing recorded');
    return null;
  }
  const prev = await readHookState(rt.gitDir, input.session_id);
  if (prev !== null && prev.epicId === epicId) {
    // After a compaction or a resume of a still-live session: same orch session, brief again.
    const c = await rt.deps.store.latestInSession(epicId, prev.orchSessionId);
    if (c !== null && isLive(c.status)) return sessionStartOutput(prev.brief);
  }
  try {
    const { state } = await startFor(input, epicId, rt, prev, true);
    return sessionStartOutput(state.brief);
  } catch (e) {
    if (!isOrchError(e) || e.code !== 'budget_exceeded') throw e;
    await rt.log('info', `SessionStart: ${e.message}`);
    return sessionStartOutput(`orch: ${e.message}. Tool calls will be refused until the budget is raised (${e.hint ?? ''}).`);
  }
}

/** The state and the live checkpoint of this Claude session's orch session, starting one when needed. */
async function current(input: HookInput, rt: HookRuntime): Promise<{ state: HookState; checkpoint: Checkpoint } | null> {
  let state = await readHookState(rt.gitDir, input.session_id);
  const epicId = state?.epicId ?? (await rt.boundEpic());
  if (epicId === null) return null;
  let c = state === null ? null : await rt.deps.store.latestInSession(epicId, state.orchSessionId);
  if (state === null || c === null || !isLive(c.status)) {
    // Hooks installed mid-session, or our session was paused / taken over meanwhile.
    state = (await startFor(input, epicId, rt, state, false)).state;
    c = await rt.deps.store.latestInSession(epicId, state.orchSessionId);
    if (c === null) throw new Error(`session ${state.orchSessionId} has no checkpoint right after its start`);
  }
  return { state, checkpoint: c };
}

async function pendingCost(input: HookInput, state: HookState, rt: HookRuntime): Promise<{ delta: CostDelta; offsets: Record<string, number>; malformedLines: number }> {
  const read = await readTranscriptDelta(input.transcript_path, state.offsets);
  const prices: PriceTable = read.records.length === 0 ? { price: () => ({ usd: null, reason: 'nothing to price' }) } : await rt.prices();
  return { delta: chargeNewCalls(read.records, state.seen, prices), offsets: read.offsets, malformedLines: read.malformedLines };
}

async function record(event: 'PreCompact' | 'Stop' | 'SessionEnd', input: HookInput, rt: HookRuntime): Promise<void> {
  const cur = await current(input, rt);
  if (cur === null) return;
  const { state, checkpoint: c } = cur;
  const { delta, offsets, malformedLines } = await pendingCost(input, state, rt);
  const epic = await rt.deps.store.getEpic(state.epicId);
  const before = budgetStatus(epic?.budget ?? null, await rt.deps.store.listSessions(state.epicId));
  const after = budgetWithPending(before.budget, [{ costUsd: before.spent }], delta.amount);
  const now = rt.deps.clock.now();

  let reason: string = event === 'PreCompact' ? `PreCompact (${input.trigger ?? 'auto'})` : event;
  let thresholdFired = false;
  if (event === 'Stop') {
    const d = stopShouldCheckpoint(state, now, { spent: after.spent, budget: after.budget });
    if (!d.checkpoint) return; // offsets stay: the cost is charged with the next checkpoint
    reason = d.reason;
    thresholdFired = d.thresholdFired;
  }

  const session = sessionFromCheckpoint(c, state.startedAt);
  let context = chargeCost({ ...c.context, agentSessionId: input.session_id }, delta.amount);
  context = { ...context, unpricedCalls: context.unpricedCalls + delta.unpriced };
  const events: EventInput[] = [];
  if (delta.calls > 0 || malformedLines > 0) {
    events.push({
      type: EVENT.costCharged,
      amount: delta.amount,
      source: 'transcript',
      models: delta.models,
      ...(delta.unpriced > 0 ? { unpricedCalls: delta.unpriced, unpricedModels: delta.unpricedModels } : {}),
      ...(malformedLines > 0 ? { malformedLines } : {}),
    });
  }
  if (after.exhausted && !before.exhausted) events.push({ type: EVENT.budgetExceeded, spent: after.spent, budget: after.budget });

  const written = await rt.critical(async () => {
    let ck: Checkpoint;
    if (event === 'SessionEnd') {
      // The cost goes in its own (cheap, snapshot-less) checkpoint so its event is recorded; then the pause.
      if (events.length > 0) await writeCheckpoint(rt.deps, session, context, { trigger: 'hook', reason: 'SessionEnd: transcript cost', snapshot: false, events });
      ck = await pauseSession(rt.deps, session, context, `Claude Code session ended (${input.reason ?? 'unknown'})`);
    } else {
      ck = await writeCheckpoint(rt.deps, session, context, { trigger: 'hook', reason, events });
    }
    const at = now.toISOString();
    await writeHookState(rt.gitDir, {
      ...state,
      offsets,
      seen: delta.seen,
      lastCheckpointAt: at,
      lastStopCheckpointAt: event === 'Stop' ? at : state.lastStopCheckpointAt,
      costThresholdFiredFor: thresholdFired ? after.budget : state.costThresholdFiredFor,
    });
    return ck;
  });
  // Skipped lines are said once, with the checkpoint that moves the offsets past them.
  const skipped = malformedLines > 0 ? `; skipped ${malformedLines} malformed transcript line(s) (not JSON): their cost is unknown` : '';
  await rt.log('info', `${event}: checkpoint ${written.id} of ${state.epicId}, charged $${usd(delta.amount)} for ${delta.calls} call(s)${skipped}`);
}

async function preToolUse(input: HookInput, rt: HookRuntime): Promise<string | null> {
  const state = await readHookState(rt.gitDir, input.session_id);
  const epicId = state?.epicId ?? (await rt.boundEpic());
  if (epicId === null) return null;
  const epic = await rt.deps.store.getEpic(epicId);
  if (epic === null || epic.budget === null) return null;
  const pending = state === null ? 0 : (await pendingCost(input, state, rt)).delta.amount;
  const reason = budgetDenyReason(epicId, budgetWithPending(epic.budget, await rt.deps.store.listSessions(epicId), pending));
  if (reason === null) return null; // no output: Claude Code's own permission rules decide
  await rt.log('info', `PreToolUse: denied ${input.tool_name ?? 'tool'}: budget of ${epicId} spent`);
  return denyToolOutput(reason);
}

import type { Entry } from '../../schema/context.ts';
import type { SessionEvent } from '../../schema/event.ts';
import { EVENT } from '../../schema/events.ts';
import type { SessionTip } from '../store.ts';
import { baselineFor, gateRunOf, isFailing, isGateRun } from './gates.ts';
import { arr, isoUtc, num, obj, oneLine, str, strs } from './payload.ts';
import type { CommitFact, DidntWork } from './types.ts';

export interface DidntWorkInput {
  /** Events of every session and of the epic record. */
  events: readonly SessionEvent[];
  tips: readonly SessionTip[];
  /** Blocker / tried entries from the sessions' contexts and note events, already merged. */
  blockers: readonly Entry[];
  commits: readonly CommitFact[];
  /** When each session began, to say in which session a commit was made. */
  sessionStarts: readonly { sessionNumber: number; at: string }[];
}

const money = (n: number | null): string => (n === null ? 'unknown' : `$${n.toFixed(2)}`);

function gateItems(events: readonly SessionEvent[]): DidntWork[] {
  return events.flatMap((e): DidntWork[] => {
    if (!isGateRun(e) || e.phase === 'baseline') return [];
    const failed = gateRunOf(e).results.filter((r) => isFailing(r.status));
    if (failed.length === 0) return [];
    const base = baselineFor(events, e);
    const baseFailing = new Set(base ? gateRunOf(base).results.filter((r) => isFailing(r.status)).map((r) => r.name) : []);
    const parts = failed.map((r) => {
      const tests = r.failingTests.length ? ` (failing tests: ${r.failingTests.slice(0, 8).join(', ')}${r.failingTests.length > 8 ? `, … ${r.failingTests.length - 8} more` : ''})` : '';
      const old = baseFailing.has(r.name) ? ' — already failing before this session (predates it)' : '';
      return `${r.name} ${r.status}${tests}${old}`;
    });
    return [{ kind: 'gate', at: e.at, sessionNumber: e.sessionNumber, text: `gate run (${str(e.phase) ?? 'manual'}) failed: ${parts.join('; ')}` }];
  });
}

function describeInput(input: unknown): string {
  const o = obj(input);
  const s = str(o.command) ?? str(o.file_path) ?? str(o.path) ?? str(o.url);
  return s ?? (input === undefined ? '' : JSON.stringify(input) ?? '');
}

function agentItems(events: readonly SessionEvent[]): DidntWork[] {
  const failedAgentRuns = new Set<string>();
  const out: DidntWork[] = [];
  for (const e of events) {
    if (e.type === EVENT.agentResult) {
      const failure = str(e.failure);
      if (e.ok === false || failure) {
        failedAgentRuns.add(e.sessionId);
        const kind = failure === 'timeout' || failure === 'stalled' ? 'timeout' : 'agent_error';
        const what = failure === 'timeout' ? 'agent timed out' : failure === 'stalled' ? 'agent stalled (no output) and was stopped' : `agent run failed${failure ? ` (${failure})` : ''}`;
        const errs = strs(e.errors);
        out.push({ kind, at: e.at, sessionNumber: e.sessionNumber, text: `${what}: ${str(e.subtype) ?? 'no result'}${errs.length ? ` — ${errs.slice(0, 3).join('; ')}` : ''}` });
      }
      const denials = arr(e.permissionDenials).map((d) => {
        const o = obj(d);
        const input = describeInput(o.input);
        return `${str(o.toolName) ?? str(o.tool_name) ?? 'tool'}${input ? `(${oneLine(input, 80)})` : ''}`;
      });
      if (denials.length) out.push({ kind: 'permission', at: e.at, sessionNumber: e.sessionNumber, text: `permission denied: ${denials.slice(0, 5).join(', ')}${denials.length > 5 ? `, … ${denials.length - 5} more` : ''}` });
    }
  }
  for (const e of events) {
    if (e.type === EVENT.sessionFailed) {
      const failure = str(e.failure);
      // The failed agent.result of the same session already says it.
      if (failedAgentRuns.has(e.sessionId)) continue;
      const kind = failure === 'timeout' || failure === 'stalled' ? 'timeout' : 'agent_error';
      out.push({ kind, at: e.at, sessionNumber: e.sessionNumber, text: `session failed${failure ? ` (${failure})` : ''}: ${str(e.reason) ?? 'no reason recorded'}` });
    } else if (e.type === EVENT.sessionInterrupted) {
      out.push({ kind: 'crash', at: e.at, sessionNumber: e.sessionNumber, text: `session ended without a pause or completion (crashed or killed): ${str(e.reason) ?? ''}`.trim() });
    }
  }
  return out;
}

function budgetItems(events: readonly SessionEvent[], tips: readonly SessionTip[]): DidntWork[] {
  const out = events
    .filter((e) => e.type === EVENT.budgetExceeded)
    .map((e): DidntWork => ({ kind: 'budget', at: e.at, sessionNumber: e.sessionNumber, text: `budget stop: spent ${money(num(e.spent))} of ${money(num(e.budget))}` }));
  const said = new Set(out.map((o) => o.sessionNumber));
  for (const t of tips) {
    if (t.status === 'budget_exceeded' && !said.has(t.sessionNumber)) {
      out.push({ kind: 'budget', at: t.createdAt, sessionNumber: t.sessionNumber, text: `budget stop: the session ended budget_exceeded after spending ${money(t.costUsd)}` });
    }
  }
  return out;
}

/** The same command failing again and again is a lesson; one failure is noise. */
function repeatedCommands(events: readonly SessionEvent[]): DidntWork[] {
  const groups = new Map<string, SessionEvent[]>();
  for (const e of events) {
    const command = e.type === EVENT.agentToolError ? str(e.command) : null;
    if (!command) continue;
    const key = oneLine(command, 200);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups].flatMap(([command, list]): DidntWork[] => {
    if (list.length < 2) return [];
    const last = list.reduce((a, b) => (b.at >= a.at ? b : a));
    const sessions = [...new Set(list.map((e) => e.sessionNumber))].sort((a, b) => a - b);
    const error = str(last.error);
    return [
      {
        kind: 'repeated_command',
        at: last.at,
        sessionNumber: last.sessionNumber,
        text: `\`${command}\` failed ${list.length} times (session${sessions.length > 1 ? 's' : ''} ${sessions.join(', ')})${error ? `; last error: ${oneLine(error, 160)}` : ''}`,
      },
    ];
  });
}

/** The session running at `at`; git dates have whole seconds, so compare at that precision. */
export function sessionAt(starts: readonly { sessionNumber: number; at: string }[], at: string): number {
  let n = 0;
  const second = isoUtc(at).slice(0, 19);
  for (const s of starts) if (isoUtc(s.at).slice(0, 19) <= second && s.sessionNumber > n) n = s.sessionNumber;
  return n;
}

/** Every source of "what didn't work", newest first; each item dated and tied to a session. */
export function whatDidntWork(i: DidntWorkInput): DidntWork[] {
  const reverts = i.commits
    .filter((c) => c.isRevert)
    .map((c): DidntWork => ({
      kind: 'revert',
      at: c.at,
      sessionNumber: sessionAt(i.sessionStarts, c.at),
      text: `reverted: ${c.sha.slice(0, 10)} "${oneLine(c.subject, 120)}"${c.reverts ? ` (undoes ${c.reverts.slice(0, 10)})` : ''}`,
    }));
  const fromEvents = [...gateItems(i.events), ...agentItems(i.events), ...budgetItems(i.events, i.tips), ...repeatedCommands(i.events)];
  // orch run also writes its stops into the context; the events above already say them, with detail.
  const saidBySession = new Set(fromEvents.map((d) => d.sessionNumber));
  const notes = i.blockers
    .filter((b) => !(b.source === 'orch run' && saidBySession.has(b.sessionNumber)))
    .map((b): DidntWork => ({ kind: b.source?.endsWith('note:tried') ? 'tried' : 'blocker', at: b.at, sessionNumber: b.sessionNumber, text: b.text, ...(b.source ? { source: b.source } : {}) }));
  const all = [...fromEvents, ...reverts, ...notes];
  return all
    .map((d) => ({ ...d, at: isoUtc(d.at), text: oneLine(d.text, 600) }))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.sessionNumber - a.sessionNumber));
}

import type { SessionEvent } from '../../schema/event.ts';
import type { Postmortem, RootCauseCategory, TimelineEntry } from '../../schema/learning.ts';
import { byTime, clip, gateResults, L_EVENT as E, records, str, strings } from './events.ts';

/** A session seen from outside: the files its checkpoints recorded and its events. */
export interface SessionView {
  epicId: string;
  sessionId: string;
  sessionNumber: number;
  checkpointId: string;
  files: string[];
  events: SessionEvent[];
}

export interface CommitView {
  sha: string;
  at: string;
  subject: string;
}

export interface IncidentSources {
  issueId: string;
  files: string[];
  createdAt: string | null;
  closedAt: string | null;
  sessions: SessionView[];
  /** Convoy journals and epic records of the epics looked at. */
  otherEvents: SessionEvent[];
  commits: CommitView[];
}

const PATH = /(?:^|[\s`'"([])((?:[\w.@-]+\/)*[\w@-][\w.@-]*\.[A-Za-z][A-Za-z0-9]{0,4})(?=$|[\s`'"),:;\]]|\.(?:\s|$))/g;

/** File paths an issue's text names (src/db.ts, README.md …), URLs and versions left out. */
export function filesNamed(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PATH)) {
    const p = m[1]!;
    if (/^\d+(\.\d+)+$/.test(p) || /^(www\.|https?)/.test(p) || p.includes('://')) continue;
    out.add(p.replace(/^\.\//, ''));
  }
  return [...out].sort();
}

const touches = (files: readonly string[], e: SessionEvent): boolean => {
  const named = [str(e.file), ...strings(e.files)].filter((x): x is string => x !== null);
  return named.some((f) => files.includes(f));
};

/** Sessions that touched the issue's files, or that a convoy ran for the issue. */
export function relevantSessions(src: IncidentSources): SessionView[] {
  const forIssue = new Set(src.otherEvents.filter((e) => e.type === E.convoySession && e.issueId === src.issueId).map((e) => str(e.orchSessionId)));
  return src.sessions.filter((s) => forIssue.has(s.sessionId) || s.files.some((f) => src.files.includes(f)) || s.events.some((e) => touches(src.files, e)));
}

/** What an event says in one line, or null when it does not belong on a timeline. */
function describe(e: SessionEvent): string | null {
  switch (e.type) {
    case E.sessionStarted:
      return `session ${e.sessionNumber} started${str(e.task) ? `: ${clip(str(e.task)!, 80)}` : ''}`;
    case E.sessionCompleted:
      return `session ${e.sessionNumber} completed (${str(e.outcome) ?? '?'})`;
    case E.sessionFailed:
      return `session ${e.sessionNumber} failed: ${clip(str(e.reason) ?? str(e.failure) ?? '?', 100)}`;
    case E.gateRun: {
      const reg = strings(e.regressions);
      const failing = gateResults(e).filter((r) => r.status !== 'pass' && r.status !== 'skipped');
      if (reg.length === 0 && failing.length === 0) return null;
      return `${str(e.phase) ?? ''} gates: ${reg.length ? `regressed ${reg.join(', ')}` : `failing ${failing.map((r) => r.name).join(', ')}`}`;
    }
    case E.toolError:
      return `tool error${str(e.command) ? ` in \`${clip(str(e.command)!, 60)}\`` : ''}: ${clip(str(e.error) ?? '', 80)}`;
    case E.reviewFinding:
      return `${str(e.reviewer) ?? 'review'} finding (${str(e.severity) ?? '?'}) in ${str(e.file) ?? '?'}: ${clip(str(e.finding) ?? '', 100)}`;
    case E.budgetExceeded:
      return 'budget exceeded';
    case E.convoyMergeConflict:
      return `merge conflict on ${strings(e.files).join(', ')}`;
    case E.convoyMerged:
      return `merged ${str(e.issueId) ?? ''}`;
    case E.convoySentBack:
      return `${str(e.issueId) ?? 'issue'} sent back: ${clip(str(e.reason) ?? '', 80)}`;
    case E.witnessRestart:
      return `witness restarted the worker on ${str(e.issueId) ?? '?'}`;
    case E.trackerClosed:
      return `${str(e.issueId) ?? 'issue'} closed in the tracker`;
    default:
      return null;
  }
}

export function buildTimeline(src: IncidentSources, issueTitle: string): TimelineEntry[] {
  const sessions = relevantSessions(src);
  const ids = new Set(sessions.map((s) => s.sessionId));
  const out: TimelineEntry[] = [];
  if (src.createdAt) out.push({ at: src.createdAt, source: 'tracker', ref: src.issueId, text: `issue opened: ${clip(issueTitle, 100)}` });
  if (src.closedAt) out.push({ at: src.closedAt, source: 'tracker', ref: src.issueId, text: 'issue closed' });
  for (const s of sessions) {
    const start = s.events.map((e) => e.at).sort()[0];
    const shared = s.files.filter((f) => src.files.includes(f));
    if (start && shared.length) out.push({ at: start, source: 'checkpoint', ref: s.checkpointId, text: `session ${s.sessionNumber} (${s.epicId}) changed ${shared.join(', ')}` });
  }
  const events = [...sessions.flatMap((s) => s.events), ...src.otherEvents.filter((e) => e.issueId === src.issueId || touches(src.files, e) || ids.has(e.sessionId))];
  for (const e of events) {
    const text = describe(e);
    if (text) out.push({ at: e.at, source: 'event', ref: e.id, text });
  }
  for (const c of src.commits) out.push({ at: c.at, source: 'commit', ref: c.sha, text: `commit ${c.sha.slice(0, 10)}: ${clip(c.subject, 100)}` });
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.ref < b.ref ? -1 : 1));
}

/** The category with the strongest recorded evidence; `unknown` (no evidence) rather than a guess. */
export function rootCause(src: IncidentSources): NonNullable<Postmortem['rootCause']> {
  const sessions = relevantSessions(src);
  const ids = new Set(sessions.map((s) => s.sessionId));
  const events = [...sessions.flatMap((s) => s.events), ...src.otherEvents.filter((e) => e.issueId === src.issueId || ids.has(e.sessionId) || touches(src.files, e))].sort(byTime);
  const findings = events.filter((e) => e.type === E.reviewFinding && ['critical', 'high'].includes(str(e.severity) ?? '') && (src.files.length === 0 || touches(src.files, e)));
  const regressions = events.filter((e) => e.type === E.gateRun && strings(e.regressions).length > 0);
  const conflicts = events.filter((e) => e.type === E.convoyMergeConflict);
  const exhausted = events.filter((e) => e.type === E.budgetExceeded || e.type === E.witnessRestart || (e.type === E.sessionFailed && ['timeout', 'stalled'].includes(str(e.failure) ?? '')));
  const tooling = events.filter((e) => e.type === E.toolError || (e.type === E.agentResult && records(e.permissionDenials).length > 0));
  const candidates: [RootCauseCategory, SessionEvent[], number, string][] = [
    ['security', findings, 3, `${findings.length} high/critical review finding(s) on the files: ${clip(str(findings[0]?.finding) ?? '', 120)}`],
    ['code_logic', regressions, 2, `gate regression(s): ${[...new Set(regressions.flatMap((e) => strings(e.regressions)))].join(', ')}`],
    ['race_condition', conflicts, 2, `${conflicts.length} merge conflict(s) on ${[...new Set(conflicts.flatMap((e) => strings(e.files)))].join(', ')}`],
    ['resource_exhaustion', exhausted, 1, `${exhausted.length} budget stop(s), timeouts or witness restarts`],
    ['tooling', tooling, 1, `${tooling.length} failing tool call(s) or permission denial(s)`],
  ];
  const best = candidates.filter((c) => c[1].length > 0).sort((a, b) => b[1].length * b[2] - a[1].length * a[2])[0];
  if (!best) return { category: 'unknown', summary: 'no recorded event explains this incident (no session touched the files it names)', evidence: [] };
  return { category: best[0], summary: best[3], evidence: best[1].map((e) => e.id) };
}

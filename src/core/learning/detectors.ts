import { createHash } from 'node:crypto';
import type { SessionEvent } from '../../schema/event.ts';
import type { Learning, LearningKind } from '../../schema/learning.ts';
import { byTime, clip, gateResults, L_EVENT as E, num, records, str, strings } from './events.ts';

/** Same kind + subject → same id, in every reflection: that is what dedupes learnings across them. */
export const learningId = (kind: LearningKind, key: string): string => `L-${createHash('sha256').update(`${kind}\0${key}`).digest('hex').slice(0, 10)}`;

const cap = (x: number): number => Math.round(Math.min(0.95, Math.max(0.05, x)) * 100) / 100;

function groupBy<T>(items: readonly T[], key: (t: T) => string | null): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k !== null) m.set(k, [...(m.get(k) ?? []), t]);
  }
  return m;
}

const sessionsOf = (es: readonly SessionEvent[]): number => new Set(es.map((e) => e.sessionId)).size;
const mk = (kind: LearningKind, key: string, l: Omit<Learning, 'id' | 'kind'>): Learning => ({ id: learningId(kind, key), kind, ...l });

/** The same Bash command failing twice or more: the agent kept retrying something broken. */
function repeatedCommands(events: readonly SessionEvent[]): Learning[] {
  const groups = groupBy(events.filter((e) => e.type === E.toolError), (e) => str(e.command)?.replace(/\s+/g, ' ').trim() ?? null);
  return [...groups].flatMap(([cmd, es]) => {
    if (es.length < 2) return [];
    const s = sessionsOf(es);
    const last = str(es.at(-1)?.error);
    return [
      mk('repeated_command_failure', cmd, {
        title: `\`${clip(cmd, 80)}\` failed ${es.length} times`,
        rule: `\`${clip(cmd, 120)}\` failed ${es.length} times in ${s} session${s > 1 ? 's' : ''}${last ? ` (last error: ${clip(last, 120)})` : ''}. Find out why before running it again; do not retry it unchanged.`,
        evidence: es.map((e) => e.id),
        confidence: cap(0.5 + 0.1 * (es.length - 1) + (s > 1 ? 0.15 : 0)),
      }),
    ];
  });
}

/** A gate that regressed and passed again later: the agent corrected itself; the lesson is the gate. */
function gateCorrections(events: readonly SessionEvent[]): Learning[] {
  const open = new Map<string, { e: SessionEvent; tests: string[] }>();
  const found = new Map<string, { pairs: string[][]; tests: Set<string>; sessions: Set<number> }>();
  for (const e of events.filter((x) => x.type === E.gateRun).sort(byTime)) {
    const regressed = new Set(strings(e.regressions));
    for (const r of gateResults(e)) {
      if (regressed.has(r.name) && r.status !== 'pass') {
        if (!open.has(r.name)) open.set(r.name, { e, tests: r.failedTests });
      } else if (r.status === 'pass' && open.has(r.name)) {
        const o = open.get(r.name)!;
        open.delete(r.name);
        const f = found.get(r.name) ?? { pairs: [], tests: new Set(), sessions: new Set() };
        f.pairs.push([o.e.id, e.id]);
        o.tests.forEach((t) => f.tests.add(t));
        f.sessions.add(o.e.sessionNumber);
        found.set(r.name, f);
      }
    }
  }
  return [...found].map(([gate, f]) => {
    const tests = [...f.tests].slice(0, 5);
    return mk('gate_correction', gate, {
      title: `gate ${gate} regressed and was fixed ${f.pairs.length} time${f.pairs.length > 1 ? 's' : ''}`,
      rule: `The \`${gate}\` gate regressed in session ${[...f.sessions].join(', ')}${tests.length ? ` (failing: ${tests.map((t) => clip(t, 60)).join(', ')})` : ''} and had to be fixed afterwards. Run the \`${gate}\` gate before saying the work is done.`,
      evidence: f.pairs.flat(),
      confidence: cap(0.7 + 0.1 * (f.pairs.length - 1)),
    });
  });
}

/** Budget stops are recorded facts, not guesses. */
function budgetOverruns(events: readonly SessionEvent[]): Learning[] {
  const es = events.filter((e) => e.type === E.budgetExceeded);
  if (es.length === 0) return [];
  const last = es.at(-1)!;
  const spent = num(last.spent);
  const budget = num(last.budget);
  const amount = spent !== null && budget !== null ? ` ($${spent.toFixed(2)} of $${budget.toFixed(2)})` : '';
  return [
    mk('budget_overrun', 'budget', {
      title: `budget exceeded ${es.length} time${es.length > 1 ? 's' : ''}`,
      rule: `Sessions stopped at the budget ${es.length} time${es.length > 1 ? 's' : ''}${amount}. Keep each task small enough for one session, and commit working steps early so a budget stop loses little.`,
      evidence: es.map((e) => e.id),
      confidence: 0.9,
    }),
  ];
}

function witnessRestarts(events: readonly SessionEvent[]): Learning[] {
  const groups = groupBy(events.filter((e) => e.type === E.witnessRestart), (e) => str(e.issueId));
  return [...groups].flatMap(([issue, es]) =>
    es.length < 2 && groups.size < 2
      ? []
      : [
          mk('witness_restart', issue, {
            title: `worker on ${issue} stalled and was restarted ${es.length} time${es.length > 1 ? 's' : ''}`,
            rule: `The worker on issue ${issue} stopped making progress and the witness restarted it ${es.length} time${es.length > 1 ? 's' : ''}. Split such issues up, and make long-running commands print progress.`,
            evidence: es.map((e) => e.id),
            confidence: cap(0.5 + 0.15 * (es.length - 1)),
          }),
        ],
  );
}

function mergeConflicts(events: readonly SessionEvent[]): Learning[] {
  const conflicts = events.filter((e) => e.type === E.convoyMergeConflict);
  const byFile = new Map<string, SessionEvent[]>();
  for (const e of conflicts) for (const f of new Set(strings(e.files))) byFile.set(f, [...(byFile.get(f) ?? []), e]);
  return [...byFile].flatMap(([file, es]) => {
    if (es.length < 2) return [];
    const issues = [...new Set(es.map((e) => str(e.issueId)).filter((x): x is string => x !== null))];
    return [
      mk('merge_conflict_files', file, {
        title: `${file} conflicted in ${es.length} merges`,
        rule: `\`${file}\` conflicted in ${es.length} merges${issues.length ? ` (issues ${issues.join(', ')})` : ''}. Keep changes to it small and separate, and do not work issues that touch it in parallel.`,
        evidence: es.map((e) => e.id),
        confidence: cap(0.55 + 0.1 * (es.length - 2) + (issues.length > 1 ? 0.1 : 0)),
      }),
    ];
  });
}

function permissionDenials(events: readonly SessionEvent[]): Learning[] {
  const seen: { key: string; label: string; e: SessionEvent }[] = [];
  for (const e of events.filter((x) => x.type === E.agentResult)) {
    for (const d of records(e.permissionDenials)) {
      const tool = str(d.toolName) ?? str(d.tool_name);
      if (!tool) continue;
      const input = typeof d.input === 'object' && d.input !== null ? (d.input as Record<string, unknown>) : {};
      const cmd = str(input.command);
      seen.push({ key: cmd ? `${tool}:${cmd}` : tool, label: cmd ? `${tool}: ${clip(cmd, 80)}` : tool, e });
    }
  }
  return [...groupBy(seen, (s) => s.key)].map(([key, ss]) =>
    mk('permission_denial', key, {
      title: `permission denied: ${ss[0]!.label} (${ss.length}×)`,
      rule: `The agent was refused \`${ss[0]!.label}\` ${ss.length} time${ss.length > 1 ? 's' : ''}: it is not allowed in this project. Use an allowed alternative instead of asking again.`,
      evidence: [...new Set(ss.map((s) => s.e.id))],
      confidence: cap(0.6 + 0.1 * (ss.length - 1)),
    }),
  );
}

const STOP = new Set(['this', 'that', 'with', 'from', 'into', 'when', 'the', 'and', 'should', 'could', 'would', 'there', 'their', 'which', 'before', 'after', 'where', 'being', 'here', 'line', 'file', 'code']);
export const words = (s: string): Set<string> => new Set((s.toLowerCase().match(/[a-z][a-z0-9_-]{3,}/g) ?? []).filter((w) => !STOP.has(w)));
export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Findings of one reviewer whose texts share most words are one kind; two or more → a lesson. */
function recurringFindings(events: readonly SessionEvent[]): Learning[] {
  const findings = events.filter((e) => e.type === E.reviewFinding && str(e.reviewer) && str(e.finding)).sort(byTime);
  const clusters: { reviewer: string; words: Set<string>; es: SessionEvent[] }[] = [];
  for (const e of findings) {
    const w = words(str(e.finding)!);
    const c = clusters.find((k) => k.reviewer === e.reviewer && jaccard(k.words, w) >= 0.4);
    if (c) c.es.push(e);
    else clusters.push({ reviewer: str(e.reviewer)!, words: w, es: [e] });
  }
  return clusters.flatMap((c) => {
    const ids = new Set(c.es.map((e) => str(e.findingId) ?? e.id));
    if (ids.size < 2) return [];
    const files = [...new Set(c.es.map((e) => str(e.file)).filter((x): x is string => x !== null))];
    const first = c.es[0]!;
    const suggestion = str(first.suggestion);
    return [
      mk('recurring_review_finding', `${c.reviewer}:${[...c.words].sort().join(' ')}`, {
        title: `${c.reviewer} reviewer: the same finding ${ids.size} times`,
        rule: `The ${c.reviewer} reviewer found this ${ids.size} times${files.length ? ` (in ${files.slice(0, 4).join(', ')})` : ''}: ${clip(str(first.finding)!, 140)}${suggestion ? ` Instead: ${clip(suggestion, 120)}` : ''}`,
        evidence: c.es.map((e) => e.id),
        confidence: cap(0.55 + 0.1 * (ids.size - 2) + (files.length > 1 ? 0.1 : 0)),
      }),
    ];
  });
}

export const DETECTORS = [repeatedCommands, gateCorrections, budgetOverruns, witnessRestarts, mergeConflicts, permissionDenials, recurringFindings] as const;

/** Every detector over the events; highest confidence first, ties by id (deterministic). */
export function detectLearnings(events: readonly SessionEvent[]): Learning[] {
  return DETECTORS.flatMap((d) => d(events)).sort((a, b) => b.confidence - a.confidence || (a.id < b.id ? -1 : 1));
}

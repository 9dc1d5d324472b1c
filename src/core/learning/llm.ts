import { z } from 'zod';
import type { AgentAdapter } from '../../adapters/agents/types.ts';
import type { SessionEvent } from '../../schema/event.ts';
import type { Learning } from '../../schema/learning.ts';
import { OrchError } from '../errors.ts';
import { learningId } from './detectors.ts';
import { clip } from './events.ts';

/** What the model must answer (Claude Code `--json-schema` → `structured_output`). */
export const LessonsAnswer = z.strictObject({
  lessons: z
    .array(
      z.strictObject({
        title: z.string().min(1).max(200),
        rule: z.string().min(1).max(1000),
        evidence: z.array(z.string()).min(1).max(50),
        confidence: z.number().min(0).max(1),
      }),
    )
    .max(20),
});
export type LessonsAnswer = z.infer<typeof LessonsAnswer>;

export const lessonsJsonSchema = (): Record<string, unknown> => {
  const s: Record<string, unknown> = { ...z.toJSONSchema(LessonsAnswer, { target: 'draft-7' }) };
  delete s.$schema;
  return s;
};

/** A compact, id-bearing digest of the events: the model cites these ids as evidence. */
export function eventDigest(events: readonly SessionEvent[], max = 400): string {
  const skip = new Set(['id', 'at', 'type', 'sessionId', 'sessionNumber', 'run', 'resultText']);
  return events
    .slice(-max)
    .map((e) => {
      const fields = Object.entries(e)
        .filter(([k]) => !skip.has(k))
        .map(([k, v]) => `${k}=${clip(typeof v === 'string' ? v : JSON.stringify(v) ?? '', 160)}`);
      return `${e.id} s${e.sessionNumber} ${e.type} ${fields.join(' ')}`.trim();
    })
    .join('\n');
}

export function lessonsPrompt(target: string, events: readonly SessionEvent[], found: readonly Learning[], extra = ''): string {
  return [
    `${extra}You review what happened while AI coding agents worked on ${target}. Below are the events orch recorded, one per line, each starting with its id.`,
    'Give lessons that would have saved time or money, as short rules for the agent\'s rule file (CLAUDE.md). Cite the ids of the events that show each lesson; a lesson without recorded evidence is not wanted.',
    found.length ? `Already known (do not repeat): ${found.map((l) => l.title).join('; ')}` : '',
    'Answer with the StructuredOutput tool only.',
    '',
    '<events>',
    eventDigest(events),
    '</events>',
  ].join('\n');
}

export interface LessonsResult {
  learnings: Learning[];
  /** Lessons dropped because they cited no event that exists (made-up evidence). */
  dropped: number;
  costUsd: number | null;
}

/** Keep only lessons whose evidence exists; confidence is capped, a model's guess is not a recorded fact. */
export function checkLessons(answer: LessonsAnswer, events: readonly SessionEvent[]): { learnings: Learning[]; dropped: number } {
  const ids = new Set(events.map((e) => e.id));
  let dropped = 0;
  const learnings: Learning[] = [];
  for (const l of answer.lessons) {
    const evidence = [...new Set(l.evidence.filter((id) => ids.has(id)))];
    if (evidence.length === 0) {
      dropped++;
      continue;
    }
    learnings.push({ id: learningId('llm', l.rule.toLowerCase().replace(/\s+/g, ' ').trim()), kind: 'llm', title: clip(l.title, 120), rule: l.rule.replace(/\s+/g, ' ').trim(), evidence, confidence: Math.min(l.confidence, 0.8) });
  }
  return { learnings, dropped };
}

export interface LlmPassInput {
  agent: AgentAdapter;
  cwd: string;
  env: NodeJS.ProcessEnv;
  agentSessionId: string;
  target: string;
  events: readonly SessionEvent[];
  found: readonly Learning[];
  model?: string;
  maxBudgetUsd?: number;
  timeoutMs?: number;
  /** Prepended to the prompt (the model double's scenario marker in tests). */
  promptPrefix?: string;
}

/** Ask the agent for lessons with structured output; a run without a valid answer is an error, not "no lessons". */
export async function llmLessons(i: LlmPassInput): Promise<LessonsResult> {
  const outcome = await i.agent.launch({
    prompt: lessonsPrompt(i.target, i.events, i.found, i.promptPrefix ?? ''),
    cwd: i.cwd,
    env: i.env,
    limits: { timeoutMs: i.timeoutMs ?? 300_000, stallMs: 120_000, ...(i.maxBudgetUsd !== undefined ? { maxBudgetUsd: i.maxBudgetUsd } : {}) },
    agentSession: { mode: 'new', id: i.agentSessionId },
    jsonSchema: lessonsJsonSchema(),
    allowedTools: [],
    ...(i.model ? { model: i.model } : {}),
  });
  if (!outcome.ok || outcome.failure) {
    throw new OrchError('agent_failed', `the --llm pass failed (${outcome.failure ?? outcome.subtype})${outcome.errors.length ? `: ${clip(outcome.errors.join('; '), 200)}` : ''}`, { hint: 'run without --llm for the recorded-event detectors only' });
  }
  const parsed = LessonsAnswer.safeParse(outcome.structuredOutput);
  if (!parsed.success) throw new OrchError('agent_failed', `the --llm pass gave no valid structured answer: ${parsed.error.issues[0]?.message ?? 'missing'}`, { hint: 'run without --llm, or try again' });
  return { ...checkLessons(parsed.data, i.events), costUsd: outcome.costUsd };
}

import type { SessionStatus } from '../../schema/context.ts';
import { OrchError } from '../errors.ts';

/** initializing → running → paused → completed; running → failed | budget_exceeded | interrupted. */
const ALLOWED: Record<SessionStatus, readonly SessionStatus[]> = {
  initializing: ['running', 'failed'],
  running: ['running', 'paused', 'completed', 'failed', 'budget_exceeded', 'interrupted'],
  paused: ['completed', 'failed'],
  completed: [],
  failed: [],
  budget_exceeded: [],
  interrupted: [],
};

export const isTerminal = (s: SessionStatus): boolean => ALLOWED[s].length === 0;
export const isLive = (s: SessionStatus): boolean => s === 'initializing' || s === 'running';

export function assertTransition(sessionId: string, from: SessionStatus, to: SessionStatus): void {
  if (!ALLOWED[from].includes(to)) {
    throw new OrchError('illegal_transition', `session ${sessionId} is ${from}; it cannot become ${to}`, {
      hint: from === 'paused' ? 'resume it with: orch session start --resume --epic <epic>' : 'start a new session',
    });
  }
}

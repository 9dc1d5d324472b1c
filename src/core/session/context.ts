import { emptyTestState, type OrchestrationContext } from '../../schema/context.ts';
import type { BudgetStatus } from '../budget.ts';
import { usd } from '../budget.ts';

/** A fresh context: new arrays every time (the original shared them across contexts). */
export function newContext(f: {
  epicId: string;
  sessionId: string;
  sessionNumber: number;
  parentSessionId: string | null;
  budget: BudgetStatus;
  task: string | null;
}): OrchestrationContext {
  return {
    epicId: f.epicId,
    sessionId: f.sessionId,
    sessionNumber: f.sessionNumber,
    parentSessionId: f.parentSessionId,
    cumulativeCost: f.budget.spent,
    sessionCost: 0,
    unpricedCalls: 0,
    budget: f.budget.budget,
    budgetRemaining: f.budget.remaining,
    filesModified: [],
    decisions: [],
    blockers: [],
    notes: [],
    currentTask: f.task,
    testState: emptyTestState(),
    agentSessionId: null,
  };
}

/** What a resumed session inherits from the previous one: what was learned, not what was spent. */
export function carryOver(next: OrchestrationContext, prev: OrchestrationContext): OrchestrationContext {
  return {
    ...next,
    filesModified: [...prev.filesModified],
    decisions: structuredClone(prev.decisions),
    blockers: structuredClone(prev.blockers),
    notes: structuredClone(prev.notes),
    currentTask: next.currentTask ?? prev.currentTask,
    testState: structuredClone(prev.testState),
    agentSessionId: prev.agentSessionId,
  };
}

/** Charge a measured cost to the session (pure: returns a new context). */
export function chargeCost(ctx: OrchestrationContext, amount: number): OrchestrationContext {
  const sessionCost = usd(ctx.sessionCost + amount);
  const cumulativeCost = usd(ctx.cumulativeCost + amount);
  return { ...ctx, sessionCost, cumulativeCost, budgetRemaining: ctx.budget === null ? null : usd(ctx.budget - cumulativeCost) };
}

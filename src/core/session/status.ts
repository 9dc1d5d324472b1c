import type { Checkpoint } from '../../schema/checkpoint.ts';
import type { Epic } from '../../schema/epic.ts';
import { budgetStatus, type BudgetStatus } from '../budget.ts';
import type { CoreDeps } from '../deps.ts';
import type { SessionTip } from '../store.ts';
import { validateId } from '../validate.ts';
import { isLive } from './lifecycle.ts';
import { requireEpic } from './load.ts';

export interface EpicStatus {
  epic: Epic;
  budget: BudgetStatus;
  sessions: SessionTip[];
  live: SessionTip[];
  latest: SessionTip | null;
  lastCheckpoint: Checkpoint | null;
}

export async function epicStatus(deps: CoreDeps, epicIdRaw: string): Promise<EpicStatus> {
  const epicId = validateId('epic', epicIdRaw);
  const [epic, sessions] = await Promise.all([deps.store.getEpic(epicId), deps.store.listSessions(epicId)]);
  if (!epic) await requireEpic(deps, epicId);
  const latest = sessions.at(-1) ?? null;
  const lastCheckpoint = latest ? await deps.store.latestInSession(epicId, latest.sessionId) : null;
  return {
    epic: epic!,
    budget: budgetStatus(epic!.budget, sessions),
    sessions,
    live: sessions.filter((s) => isLive(s.status)),
    latest,
    lastCheckpoint,
  };
}

// Public API of @create-something/orchestration.
export { startSession, pauseSession, resumeSession, completeSession, checkpointSession, type SessionConfig, type StartedSession } from './api.ts';
export type { Session, Outcome } from './core/session/types.ts';
export { DEFAULT_CHECKPOINT_POLICY, decideCheckpoint, msUntilInterval, type CheckpointPolicy, type PolicyDecision, type PolicyState } from './core/policy.ts';
export { budgetStatus, type BudgetStatus } from './core/budget.ts';
export { OrchError, EXIT, type OrchErrorCode } from './core/errors.ts';
export type { CheckpointStore, SessionTip, CheckpointWrite } from './core/store.ts';
export type { CoreDeps, Workspace } from './core/deps.ts';
export { MemoryCheckpointStore } from './adapters/store/memory-store.ts';
export { GitCheckpointStore } from './adapters/store/git-store.ts';
export { openGitDeps } from './adapters/open.ts';
export { startSession as startSessionWith, type StartOptions, type StartResult } from './core/session/start.ts';
export { pauseSession as pauseSessionWith, completeSession as completeSessionWith } from './core/session/finish.ts';
export { writeCheckpoint } from './core/session/checkpoint.ts';
export { renderResumeBrief } from './core/brief/render.ts';
export { Checkpoint, checkpointPath, CHECKPOINT_SCHEMA_VERSION } from './schema/checkpoint.ts';
export { OrchestrationContext, SessionStatus } from './schema/context.ts';
export { Epic } from './schema/epic.ts';

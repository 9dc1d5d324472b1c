/**
 * `orch hook <event>`: run by Claude Code with the hook JSON on stdin. It never breaks the user's
 * session: every error goes to `<git dir>/orch/hooks.log` and the exit code is 0, and it answers
 * within 2 s (a write in progress is finished first, so a checkpoint and its state stay in step).
 */
import path from 'node:path';
import { openGitDeps } from '../../../adapters/open.ts';
import { openRepo } from '../../../adapters/git/repo.ts';
import { boundEpic } from '../../../adapters/claude-settings/epic-binding.ts';
import { handleHook, type HookRuntime } from '../../../adapters/hooks/handle.ts';
import { appendHookLog } from '../../../adapters/hooks/state-file.ts';
import { errorLine, isOrchError } from '../../../core/errors.ts';
import { parseHookInput } from '../../../core/hooks/input.ts';
import { isHookEvent, HOOK_EVENTS } from '../../../core/hooks/settings.ts';
import type { CommonOptions } from '../../io.ts';

/** Below Claude Code's patience and the 2 s promise, with room for process exit; counted from process start. */
const DEADLINE_MS = Number(process.env.ORCH_HOOK_DEADLINE_MS) || 1800;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const describe = (e: unknown): string =>
  isOrchError(e) ? `${e.code}: ${errorLine(e)}` : e instanceof Error ? `internal: ${e.stack ?? e.message}` : `internal: ${String(e)}`;

export async function run(o: CommonOptions, args: string[]): Promise<number> {
  const event = args[0] ?? '';
  const cwd = path.resolve(o.cwd ?? process.cwd());
  let gitDir: string | null = null;
  const log = async (level: 'info' | 'error', message: string): Promise<void> => {
    if (gitDir === null) {
      process.stderr.write(`orch hook ${event}: ${level}: ${message}\n`);
      return;
    }
    try {
      await appendHookLog(gitDir, new Date(), `${level} ${event || '-'}`, message);
    } catch (e) {
      process.stderr.write(`orch hook ${event}: cannot write the log: ${(e as Error).message}; ${message}\n`);
    }
  };

  const opening = openRepo(cwd).catch(() => null);
  let inCritical = 0;
  let late = false;
  const giveUp = async (): Promise<never> => {
    // A deadline reached during start-up still logs to the repository: its git dir comes in one call.
    if (gitDir === null) gitDir = (await Promise.race([opening, new Promise<null>((r) => setTimeout(() => r(null), 150))]))?.gitDir ?? null;
    await log('error', `gave up after ${DEADLINE_MS} ms without an answer (nothing half-written)`);
    process.exit(0); // pending git calls must not hold up the user's Claude Code session
  };
  // performance.now() is the time since this process started: Node's own start-up counts against the 2 s.
  const timer = setTimeout(() => {
    late = true;
    if (inCritical === 0) void giveUp();
  }, Math.max(0, DEADLINE_MS - performance.now()));

  try {
    const here = await opening;
    gitDir = here?.gitDir ?? null;
    const text = await readStdin();
    if (!isHookEvent(event)) throw new Error(`unknown hook event ${JSON.stringify(event)}; orch handles ${HOOK_EVENTS.join(', ')}`);
    const input = parseHookInput(text, event);
    const repoDir = o.cwd ? cwd : path.resolve(input.cwd);
    const { deps, repo } = await openGitDeps(repoDir, here !== null && repoDir === cwd ? { repo: here } : {});
    gitDir = repo.gitDir;
    const rt: HookRuntime = {
      deps,
      gitDir,
      prices: async () => (await import('../../../adapters/prices/genai-prices.ts')).genaiPriceTable(),
      boundEpic: async () => (await boundEpic(input.cwd, process.env))?.epicId ?? null,
      critical: async (fn) => {
        inCritical++;
        try {
          return await fn();
        } finally {
          inCritical--;
          if (late && inCritical === 0) await giveUp();
        }
      },
      log,
      timeLeftMs: () => DEADLINE_MS - performance.now(),
    };
    const out = await handleHook(event, input, rt);
    if (out !== null) process.stdout.write(`${out}\n`);
  } catch (e) {
    await log('error', describe(e));
  } finally {
    clearTimeout(timer);
  }
  return 0;
}

import { spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { OrchError } from '../../core/errors.ts';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitCallOptions {
  input?: string | Buffer;
  env?: Record<string, string>;
  /** Do not throw on non-zero exit. */
  allowFail?: boolean;
}

/**
 * Identity and safety settings for every call orch makes: a fixed identity so commits work without
 * user.name, no optional index locks (so `status` never rewrites the user's index), no auto gc.
 */
const baseEnv: Record<string, string> = {
  GIT_AUTHOR_NAME: 'orch',
  GIT_AUTHOR_EMAIL: 'orch@localhost',
  GIT_COMMITTER_NAME: 'orch',
  GIT_COMMITTER_EMAIL: 'orch@localhost',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

const baseArgs = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'core.quotepath=off'];

const gitOptions = (cwd: string, env: Record<string, string>): { cwd: string; env: NodeJS.ProcessEnv } => ({ cwd, env: { ...process.env, ...baseEnv, ...env } });

/** Start git with orch's settings (argv array, never a shell string); the caller reads its pipes. */
export function spawnGit(cwd: string, args: readonly string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn('git', [...baseArgs, ...args], { ...gitOptions(cwd, env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The same, with nothing to feed it: stdin is /dev/null (one pipe fewer to make per call). */
function spawnGitNoInput(cwd: string, args: readonly string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('git', [...baseArgs, ...args], { ...gitOptions(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Run git with an argv array (never a shell string). */
export function git(cwd: string, args: readonly string[], opts: GitCallOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = opts.input === undefined ? spawnGitNoInput(cwd, args, opts.env) : spawnGit(cwd, args, opts.env);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin?.on('error', () => undefined);
    child.on('error', (e) => {
      reject(new OrchError('git_failed', `cannot run git: ${e.message}`, { hint: 'install git and put it on PATH', cause: e }));
    });
    child.on('close', (code) => {
      const res = { code: code ?? 128, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
      if (res.code !== 0 && !opts.allowFail) {
        const first = res.stderr.trim().split('\n')[0] ?? '';
        reject(new OrchError('git_failed', `git ${args.filter((a) => !a.startsWith('-c')).slice(0, 2).join(' ')} failed: ${first}`));
      } else resolve(res);
    });
    child.stdin?.end(opts.input);
  });
}

export async function gitText(cwd: string, args: readonly string[], opts: GitCallOptions = {}): Promise<string> {
  return (await git(cwd, args, opts)).stdout.toString('utf8');
}

/** Durable writes for objects and refs on checkpoint calls only; the user's config is untouched. */
export const fsyncArgs = ['-c', 'core.fsync=loose-object,reference', '-c', 'core.fsyncMethod=batch'];

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The model the double answers as; Claude Code prices it at list ($3 / $15 per million in / out). */
export const DOUBLE_MODEL = 'claude-sonnet-4-5-20250929';

const LEAKY = new Set(['ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY', 'ANTHROPIC_CUSTOM_HEADERS']);

export interface ClaudeDoubleEnvOptions {
  /** Base URL of the model double (`ModelDouble.url`). */
  baseUrl: string;
  model?: string;
  /** Use this config dir instead of a fresh temp one (e.g. to share transcripts for --resume). */
  configDir?: string;
  /** Claude Code's own API retries; 0 makes a scripted 5xx end the run at once instead of backing off. */
  maxRetries?: number;
  /** Environment to start from: PATH, HOME, … Defaults to the current PATH, an empty HOME in the config dir and a git identity. */
  base?: NodeJS.ProcessEnv;
  extra?: NodeJS.ProcessEnv;
}

export interface ClaudeDoubleEnv {
  env: NodeJS.ProcessEnv;
  configDir: string;
  /** Removes the temp config dir when this helper created it. */
  cleanup(): void;
}

/**
 * A hermetic environment for running the real `claude` against a model double: it talks only to
 * the double, never updates itself, keeps all state (transcripts included) in its own config dir,
 * and does not inherit the caller's API keys or settings.
 */
export function claudeDoubleEnv(opts: ClaudeDoubleEnvOptions): ClaudeDoubleEnv {
  const owned = opts.configDir === undefined;
  const configDir = opts.configDir ?? mkdtempSync(join(tmpdir(), 'orch-claude-config-'));
  // Credentials or endpoints from the caller's shell must not leak into a run meant for the double.
  // An empty HOME by default: Claude Code's first Bash call snapshots the login shell, and a heavy
  // profile (pyenv init: 2.7 s here) then looks like a stalled model to a short stall timeout.
  const home = join(configDir, 'home');
  mkdirSync(home, { recursive: true });
  const base = Object.fromEntries(
    Object.entries(opts.base ?? { PATH: process.env.PATH, HOME: home, GIT_AUTHOR_NAME: 'orch double', GIT_AUTHOR_EMAIL: 'double@localhost', GIT_COMMITTER_NAME: 'orch double', GIT_COMMITTER_EMAIL: 'double@localhost', NO_UPDATE_NOTIFIER: '1' }).filter(
      ([k]) => !LEAKY.has(k),
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...base,
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_API_KEY: 'dummy',
    ANTHROPIC_MODEL: opts.model ?? DOUBLE_MODEL,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CONFIG_DIR: configDir,
    NO_COLOR: '1',
    ...(opts.maxRetries === undefined ? {} : { CLAUDE_CODE_MAX_RETRIES: String(opts.maxRetries) }),
    ...opts.extra,
  };
  return {
    env,
    configDir,
    cleanup: () => {
      if (owned) rmSync(configDir, { recursive: true, force: true });
    },
  };
}

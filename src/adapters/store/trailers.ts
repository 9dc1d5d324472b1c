import type { Checkpoint } from '../../schema/checkpoint.ts';

/** Trailers make a checkpoint's key facts readable by `git log` and `for-each-ref` without JSON. */
export function checkpointMessage(c: Checkpoint): string {
  const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').slice(0, 500);
  return [
    `orch checkpoint ${c.id} (${c.trigger})`,
    '',
    `Orch-Epic: ${c.epicId}`,
    `Orch-Session: ${c.sessionId}`,
    `Orch-Session-Number: ${c.sessionNumber}`,
    `Orch-Checkpoint: ${c.id}`,
    `Orch-Status: ${c.status}`,
    `Orch-Trigger: ${c.trigger}`,
    `Orch-Reason: ${oneLine(c.reason) || '-'}`,
    `Orch-Cost: ${c.context.sessionCost.toFixed(6)}`,
    `Orch-Created: ${c.createdAt}`,
    '',
  ].join('\n');
}

export function parseTrailers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 2));
  }
  return out;
}

export interface LoggedCommit {
  sha: string;
  trailers: Map<string, string>;
}

/** Parse `--format=%H%x1f%(trailers:only,unfold)%x1e` output. */
export function parseLog(out: string): LoggedCommit[] {
  return out
    .split('\x1e')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) => {
      const [sha = '', t = ''] = r.split('\x1f');
      return { sha: sha.trim(), trailers: parseTrailers(t) };
    });
}

export const LOG_FORMAT = '--format=%H%x1f%(trailers:only,unfold)%x1e';

/**
 * A commit's trailers read from its raw object (as `%(trailers:only,unfold)` gives them: the last
 * paragraph of the message, continuation lines joined).
 */
export function commitTrailers(raw: string): Map<string, string> {
  const body = raw.indexOf('\n\n');
  const message = body < 0 ? '' : raw.slice(body + 2).trimEnd();
  const last = message.split(/\n[ \t]*\n/).at(-1) ?? '';
  return parseTrailers(last.replace(/\n[ \t]+/g, ' '));
}

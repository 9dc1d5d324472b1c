import { z } from 'zod';
import { OrchError } from '../core/errors.ts';

/**
 * Parse a stored document: an unknown *newer* schemaVersion is `schema_unsupported` (never a silent
 * parse); a broken document is `corrupt`, naming what it was.
 */
export function parseVersioned<T>(schema: z.ZodType<T>, current: number, raw: unknown, what: string): T {
  const version = typeof raw === 'object' && raw !== null ? (raw as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (typeof version === 'number' && version > current) {
    throw new OrchError('schema_unsupported', `${what} has schemaVersion ${version}; this orch reads up to ${current}`, {
      hint: 'upgrade @create-something/orchestration',
    });
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    throw new OrchError('corrupt', `${what} is not a valid document (${where})`);
  }
  return res.data;
}

export function parseJsonDocument<T>(schema: z.ZodType<T>, current: number, text: string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OrchError('corrupt', `${what} is not valid JSON`);
  }
  return parseVersioned(schema, current, raw, what);
}

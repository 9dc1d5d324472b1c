import { OrchError } from './errors.ts';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * User-given ids (epic, convoy) become ref and path components: no `/`, `..`, spaces, shell
 * syntax, control characters, leading `-`, or git-reserved endings; at most 100 characters.
 */
export function validateId(kind: string, id: string): string {
  const bad =
    !ID.test(id) ? 'use letters, digits, ".", "_" or "-", start with a letter or digit, at most 100 characters'
    : id.includes('..') ? 'must not contain ".."'
    : id.endsWith('.lock') || id.endsWith('.') ? 'must not end with "." or ".lock"'
    : null;
  if (bad) throw new OrchError('invalid_id', `invalid ${kind} id ${JSON.stringify(id.length > 120 ? `${id.slice(0, 117)}...` : id)}: ${bad}`);
  return id;
}

/** Budgets are non-negative finite USD amounts. */
export function parseBudget(raw: string | number): number {
  const n = typeof raw === 'number' ? raw : /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw new OrchError('usage', `invalid budget ${JSON.stringify(String(raw))}: give a non-negative amount in USD, e.g. 5.00`);
  return n;
}

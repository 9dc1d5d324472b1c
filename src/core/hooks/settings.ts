/**
 * Merging orch's hooks into a Claude Code settings document (pure). Claude Code's shape:
 * `{ hooks: { <Event>: [ { matcher?, hooks: [ { type: "command", command, timeout? } ] } ] } }`.
 * orch's entries are recognised by a marker at the end of their command, so the user's own hooks,
 * other keys and their order are left as they were.
 */
import { OrchError } from '../errors.ts';

/** The events orch handles, in the order they are written. */
export const HOOK_EVENTS = ['SessionStart', 'PreToolUse', 'PreCompact', 'Stop', 'SessionEnd'] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export const isHookEvent = (s: string): s is HookEvent => (HOOK_EVENTS as readonly string[]).includes(s);

/** A shell comment: Claude Code runs hook commands through a shell, which ignores it. */
export const ORCH_MARKER = '# orch-hook';

/**
 * Seconds Claude Code waits for the hook. The hook itself answers within 2 s; this is headroom, and
 * it also lifts SessionEnd's default 1.5 s limit (Claude Code takes the largest SessionEnd timeout).
 */
export const HOOK_TIMEOUT_S = 10;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** POSIX single-quote quoting: safe for any path. */
export const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `<node> <bin/orch.js> hook <Event> # orch-hook`: absolute paths, so PATH and npx play no part. */
export function hookCommand(argv: readonly string[], event: HookEvent): string {
  return `${[...argv, 'hook', event].map(shellQuote).join(' ')} ${ORCH_MARKER}`;
}

export const isOrchCommand = (command: unknown): boolean => typeof command === 'string' && command.trimEnd().endsWith(ORCH_MARKER);

function invalid(file: string, problem: string): OrchError {
  return new OrchError('config_invalid', `${file}: ${problem}; left unchanged`, { hint: 'fix the file by hand (it must be a JSON object), then run the command again' });
}

/** Parse a settings file's text (null or blank = no file yet). Anything but a JSON object is refused. */
export function parseSettings(text: string | null, file: string): JsonObject {
  if (text === null || text.trim() === '') return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw invalid(file, `not valid JSON (${(e as Error).message.split('\n')[0] ?? 'parse error'})`);
  }
  if (!isObject(doc)) throw invalid(file, 'not a JSON object');
  const hooks = doc.hooks;
  if (hooks === undefined) return doc;
  if (!isObject(hooks)) throw invalid(file, '"hooks" is not an object');
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) throw invalid(file, `"hooks.${event}" is not an array`);
    groups.forEach((g, i) => {
      if (!isObject(g) || (g.hooks !== undefined && !Array.isArray(g.hooks))) throw invalid(file, `"hooks.${event}[${i}]" is not a hook group`);
    });
  }
  return doc;
}

export interface MergeResult {
  settings: JsonObject;
  changed: boolean;
}

const entryFor = (command: string): JsonObject => ({ type: 'command', command, timeout: HOOK_TIMEOUT_S });

/**
 * Install: an orch entry already present is updated where it stands (its first occurrence; later
 * duplicates go), a missing one is appended as its own group. Running it twice changes nothing.
 */
export function installHooks(settings: JsonObject, commandFor: (e: HookEvent) => string): MergeResult {
  const out = structuredClone(settings);
  const hooks: JsonObject = isObject(out.hooks) ? out.hooks : {};
  for (const event of HOOK_EVENTS) {
    const want = entryFor(commandFor(event));
    const groups = Array.isArray(hooks[event]) ? (hooks[event] as JsonObject[]) : [];
    let placed = false;
    const kept: JsonObject[] = [];
    for (const g of groups) {
      const list = Array.isArray(g.hooks) ? g.hooks : null;
      if (list === null || !list.some((h) => isObject(h) && isOrchCommand(h.command))) {
        kept.push(g);
        continue;
      }
      const next: Json[] = [];
      for (const h of list) {
        if (!(isObject(h) && isOrchCommand(h.command))) next.push(h);
        else if (!placed) {
          next.push(want);
          placed = true;
        }
      }
      if (next.length > 0) kept.push({ ...g, hooks: next });
    }
    if (!placed) kept.push({ hooks: [want] });
    hooks[event] = kept;
  }
  out.hooks = hooks;
  return { settings: out, changed: JSON.stringify(out) !== JSON.stringify(settings) };
}

/** Uninstall: remove orch's entries only; a group, event or `hooks` key emptied by that goes too. */
export function uninstallHooks(settings: JsonObject): MergeResult {
  if (!isObject(settings.hooks)) return { settings, changed: false };
  const out = structuredClone(settings);
  const hooks = new Map(Object.entries(out.hooks as JsonObject));
  let changed = false;
  for (const [event, raw] of [...hooks]) {
    if (!Array.isArray(raw)) continue;
    const kept: Json[] = [];
    let touched = false;
    for (const g of raw) {
      const list = isObject(g) && Array.isArray(g.hooks) ? g.hooks : null;
      const rest = list?.filter((h) => !(isObject(h) && isOrchCommand(h.command)));
      if (list === null || rest === undefined || rest.length === list.length) {
        kept.push(g);
        continue;
      }
      touched = true;
      if (rest.length > 0) kept.push({ ...(g as JsonObject), hooks: rest });
    }
    if (!touched) continue;
    changed = true;
    if (kept.length > 0) hooks.set(event, kept);
    else hooks.delete(event);
  }
  if (!changed) return { settings, changed };
  // Rebuilt from the map so the events keep their order; an emptied `hooks` key goes.
  const rest = Object.fromEntries(Object.entries(out).filter(([k]) => k !== 'hooks'));
  return { settings: hooks.size === 0 ? rest : { ...out, hooks: Object.fromEntries(hooks) }, changed };
}

/** Keep the file's indentation (tab or n spaces; 2 for a new file). */
export function detectIndent(text: string | null): string | number {
  const m = text === null ? null : /^[{[]\s*\n([ \t]+)\S/.exec(text);
  const ws = m?.[1];
  if (ws === undefined) return 2;
  return ws.startsWith('\t') ? '\t' : ws.length;
}

export const renderSettings = (settings: JsonObject, indent: string | number): string => `${JSON.stringify(settings, null, indent)}\n`;

/** orch's commands present in a settings document, per event (for `--json` reports and tests). */
export function orchHooksIn(settings: JsonObject): Partial<Record<string, string[]>> {
  const found: Partial<Record<string, string[]>> = {};
  if (!isObject(settings.hooks)) return found;
  for (const [event, groups] of Object.entries(settings.hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!isObject(g) || !Array.isArray(g.hooks)) continue;
      for (const h of g.hooks) if (isObject(h) && isOrchCommand(h.command)) (found[event] ??= []).push(h.command as string);
    }
  }
  return found;
}

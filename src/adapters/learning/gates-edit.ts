import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq, type Document } from 'yaml';
import { OrchError } from '../../core/errors.ts';
import type { PreventionCheck } from '../../schema/learning.ts';
import { CONFIG_PATH, findConfigFile, parseGatesConfigText } from '../gates/config.ts';
import { writeFileAtomic } from '../trackers/atomic-write.ts';

/**
 * A forbidden fixed string as a gate: passes only when `git grep` finds nothing (exit 1); a match
 * (0) or a git error (128) fails. Pattern and paths go in as arguments, never into the script text.
 * Rule files and orch's config are excluded: they quote the pattern themselves.
 */
export function forbiddenPatternCommand(pattern: string, paths: readonly string[]): string[] {
  const excludes = [':(exclude).orch/**', ':(exclude)*.md', ':(exclude).claude/**'];
  return ['sh', '-c', 'git grep -n -I -F --untracked -e "$0" -- "$@"; test $? -eq 1', pattern, ...(paths.length ? paths : ['.']), ...excludes];
}

function gateEntry(check: PreventionCheck): Record<string, unknown> {
  switch (check.kind) {
    case 'gate':
      return { name: check.name, command: check.command, mode: 'required' };
    case 'forbidden_pattern':
      return { name: check.name, command: forbiddenPatternCommand(check.pattern, check.paths), mode: 'required', parser: 'none' };
    case 'require_gate':
      return { name: check.name, mode: 'required' };
  }
}

/** The gates list node of the document, created (as `gates: { list: [] }` or inside the mapping) when missing. */
function listNode(doc: Document): YAMLSeq {
  const gates = doc.get('gates', true);
  if (gates === undefined || gates === null) {
    const list = new YAMLSeq();
    const map = new YAMLMap();
    map.set('list', list);
    doc.set('gates', map);
    return list;
  }
  if (isSeq(gates)) return gates;
  if (isMap(gates)) {
    if (!gates.has('list')) gates.set('list', new YAMLSeq());
    const list = gates.get('list', true);
    if (isSeq(list)) return list;
  }
  throw new OrchError('config_invalid', 'the gates section of .orch/config.yaml is neither a list nor a mapping with a list', { hint: 'fix it by hand, then apply again' });
}

export interface GatesEditResult {
  file: string;
  added: string[];
  /** Already there (applying twice adds nothing). */
  present: string[];
}

/**
 * Add checks to the `gates` list of .orch/config.yaml through the YAML document API, so the user's
 * comments, order and formatting stay; the result is validated before it is written (atomically).
 */
export async function addGateChecks(top: string, checks: readonly PreventionCheck[], o: { dryRun?: boolean } = {}): Promise<GatesEditResult & { before: string; after: string }> {
  const file = (await findConfigFile(top)) ?? path.join(top, CONFIG_PATH);
  const before = existsSync(file) ? await readFile(file, 'utf8') : '';
  const doc = parseDocument(before);
  if (doc.errors.length > 0) throw new OrchError('config_invalid', `${file}: YAML syntax error: ${doc.errors[0]!.message.split('\n')[0] ?? ''}`, { hint: 'fix .orch/config.yaml first' });
  if (doc.contents === null) doc.contents = new YAMLMap() as unknown as typeof doc.contents;
  const list = listNode(doc);
  const added: string[] = [];
  const present: string[] = [];
  for (const check of checks) {
    const existing = list.items.find((it) => isMap(it) && it.get('name') === check.name) as YAMLMap | undefined;
    if (check.kind === 'require_gate' && existing) {
      if (existing.get('mode') === 'required') present.push(check.name);
      else {
        existing.set('mode', 'required');
        added.push(check.name);
      }
    } else if (existing) present.push(check.name);
    else {
      list.add(doc.createNode(gateEntry(check)));
      added.push(check.name);
    }
  }
  const after = added.length ? doc.toString() : before;
  parseGatesConfigText(after, file); // throws config_invalid: never write a config the gates cannot read
  if (!o.dryRun && added.length > 0) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, after);
  }
  return { file, added, present, before, after };
}

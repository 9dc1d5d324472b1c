import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { OrchError } from '../../core/errors.ts';
import { detectGates } from '../../core/gates/detect.ts';
import { loadGatesConfig } from './config.ts';
import { fsProbe } from './probe-fs.ts';

const root = mkdtempSync(join(tmpdir(), 'orch-gates-config-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}
/** A git repository at `<root>/<name>/repo` with `<root>/<name>` outside it. */
function repo(name: string): { outer: string; top: string; sub: string } {
  const outer = join(root, name);
  const top = join(outer, 'repo');
  const sub = join(top, 'packages', 'app');
  mkdirSync(sub, { recursive: true });
  execFileSync('git', ['init', '-q', top]);
  return { outer, top, sub };
}
async function loadError(cwd: string): Promise<OrchError> {
  const e: unknown = await loadGatesConfig(cwd).then(() => undefined, (err: unknown) => err);
  if (!(e instanceof OrchError)) throw new Error(`expected an OrchError, got ${String(e)}`);
  return e;
}

describe('loadGatesConfig', () => {
  test('finds .orch/config.yaml from a subdirectory up to the git top and reads only the gates section', async () => {
    const { top, sub } = repo('found');
    write(join(top, '.orch', 'config.yaml'), 'budget: 5\ngates:\n  timeout: 5m\n  list:\n    - name: e2e\n      command: [npx, playwright, test]\n      mode: advisory\n');
    const loaded = await loadGatesConfig(sub);
    expect(loaded).toEqual({
      file: join(top, '.orch', 'config.yaml'),
      config: { timeout: '5m', list: [{ name: 'e2e', command: ['npx', 'playwright', 'test'], mode: 'advisory' }] },
    });
  });
  test('the nearest file wins; a file above the git top is never read', async () => {
    const { outer, top, sub } = repo('nearest');
    write(join(outer, '.orch', 'config.yaml'), 'gates: [{ name: outside, command: "true" }]\n');
    expect(await loadGatesConfig(sub)).toBeUndefined();
    write(join(sub, '.orch', 'config.yaml'), 'gates: [{ name: inner, command: "true" }]\n');
    write(join(top, '.orch', 'config.yaml'), 'gates: [{ name: top, command: "true" }]\n');
    expect((await loadGatesConfig(sub))?.config?.list?.[0]?.name).toBe('inner');
  });
  test('a file without a gates section, or an empty file, loads as no gate config', async () => {
    const { top } = repo('empty');
    write(join(top, '.orch', 'config.yaml'), '');
    expect(await loadGatesConfig(top)).toEqual({ file: join(top, '.orch', 'config.yaml'), config: undefined });
    write(join(top, '.orch', 'config.yaml'), 'epic: auth\n');
    expect((await loadGatesConfig(top))?.config).toBeUndefined();
  });
  test('a YAML syntax error is config_invalid with file:line:col on one line', async () => {
    const { top } = repo('syntax');
    const file = join(top, '.orch', 'config.yaml');
    write(file, 'gates:\n  list:\n    - name: test\n      command: [npm, test\n');
    const e = await loadError(top);
    expect(e.code).toBe('config_invalid');
    expect(e.exitCode).toBe(2);
    expect(e.message.startsWith(`${file}:5:1: YAML syntax error: `)).toBe(true);
    expect(e.message).not.toContain('\n');
  });
  test('a schema error names the field path and the first problem', async () => {
    const { top } = repo('schema');
    const file = join(top, '.orch', 'config.yaml');
    write(file, 'gates:\n  list:\n    - name: test\n      timeout: 5 minutes\n    - name: lint\n      comand: eslint .\n');
    expect((await loadError(top)).message).toBe(`${file}: gates.list[0].timeout: expected a duration such as 500ms, 90s, 5m, 1h`);
    write(file, 'gates:\n  - name: lint\n    comand: eslint .\n');
    expect((await loadError(top)).message).toBe(`${file}: gates[0]: Unrecognized key: "comand"`);
    write(file, 'gates:\n  - name: lint\n    mode: sometimes\n');
    expect((await loadError(top)).message).toMatch(/gates\[0\]\.mode: Invalid option/);
    write(file, 'gates:\n  detect: true\n  list: [{ name: a, command: x }, { name: a, command: y }]\n');
    expect((await loadError(top)).message).toBe(`${file}: gates.list[1].name: duplicate gate name "a"`);
    write(file, 'gates: 5\n');
    expect((await loadError(top)).message).toBe(`${file}: gates: expected a list of gates, or a mapping with detect, timeout and list`);
    write(file, '- just\n- a list\n');
    expect((await loadError(top)).message).toBe(`${file}: the document must be a mapping (key: value)`);
  });
});

describe('fsProbe', () => {
  test('reads files, reports existence and resolves packages through node_modules', () => {
    const dir = join(root, 'probe');
    write(join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'node --test' } }));
    write(join(dir, 'tsconfig.json'), '{}');
    write(join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9\n');
    const probe = fsProbe(dir);
    expect(probe.read('missing.json')).toBeUndefined();
    expect(probe.exists('tsconfig.json')).toBe(true);
    expect(probe.resolves('typescript/package.json')).toBe(false);
    expect(detectGates(probe).gates.map((g) => g.name)).toEqual(['test']);
    write(join(dir, 'node_modules', 'typescript', 'package.json'), JSON.stringify({ name: 'typescript', version: '5.9.3' }));
    expect(probe.resolves('typescript/package.json')).toBe(true);
    expect(detectGates(probe).gates.map((g) => g.command.join(' '))).toEqual(['pnpm exec tsc --noEmit', 'pnpm run test']);
  });
});

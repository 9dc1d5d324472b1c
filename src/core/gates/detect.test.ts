import { describe, expect, test } from 'vitest';
import { detectGates, type FileProbe } from './detect.ts';

/** An in-memory project: path → content; `resolvable` lists module specifiers that resolve. */
function probe(files: Record<string, string>, resolvable: string[] = []): FileProbe {
  return {
    read: (p) => files[p],
    exists: (p) => p in files,
    resolves: (s) => resolvable.includes(s),
  };
}
const pkg = (scripts: Record<string, string>, extra: Record<string, unknown> = {}): string => JSON.stringify({ name: 'x', scripts, ...extra });
const names = (files: Record<string, string>, resolvable?: string[]): string[] => detectGates(probe(files, resolvable)).gates.map((g) => g.name);

describe('detectGates: package.json', () => {
  test('scripts become gates in typecheck → lint → test → build order, run by the lock file’s package manager', () => {
    const d = detectGates(probe({ 'package.json': pkg({ build: 'tsc', test: 'vitest run', lint: 'eslint .', typecheck: 'tsc --noEmit' }), 'pnpm-lock.yaml': '' }));
    expect(d.packageManager).toBe('pnpm');
    expect(d.gates.map((g) => [g.name, g.command.join(' '), g.mode, g.enabled, g.parser])).toEqual([
      ['typecheck', 'pnpm run typecheck', 'required', true, 'none'],
      ['lint', 'pnpm run lint', 'required', true, 'none'],
      ['test', 'pnpm run test', 'required', true, 'vitest'],
      ['build', 'pnpm run build', 'advisory', false, 'none'],
    ]);
  });
  test('package manager: packageManager field wins, then pnpm/yarn/npm lock files, npm by default', () => {
    const pm = (files: Record<string, string>): string | undefined => detectGates(probe(files)).packageManager;
    expect(pm({ 'package.json': pkg({}, { packageManager: 'yarn@4.1.0' }), 'package-lock.json': '' })).toBe('yarn');
    expect(pm({ 'package.json': pkg({}), 'yarn.lock': '' })).toBe('yarn');
    expect(pm({ 'package.json': pkg({}), 'package-lock.json': '' })).toBe('npm');
    expect(pm({ 'package.json': pkg({}) })).toBe('npm');
    expect(pm({})).toBeUndefined();
    const both = detectGates(probe({ 'package.json': pkg({}), 'pnpm-lock.yaml': '', 'package-lock.json': '' }));
    expect(both.packageManager).toBe('pnpm');
    expect(both.notes.join()).toMatch(/several lock files/);
  });
  test('tsc --noEmit only with a tsconfig, no typecheck script and typescript resolvable', () => {
    const files = { 'package.json': pkg({ test: 'node --test' }), 'tsconfig.json': '{}' };
    const d = detectGates(probe(files, ['typescript/package.json']));
    expect(d.gates[0]).toMatchObject({ name: 'typecheck', command: ['npx', '--no', 'tsc', '--noEmit'], source: 'tsconfig.json' });
    expect(d.gates[1]).toMatchObject({ name: 'test', parser: 'node-test' });
    const missing = detectGates(probe(files));
    expect(missing.gates.map((g) => g.name)).toEqual(['test']);
    expect(missing.notes.join()).toMatch(/typescript is not installed/);
    expect(names({ 'package.json': pkg({ 'type-check': 'tsc -b' }), 'tsconfig.json': '{}' }, ['typescript/package.json'])).toEqual(['typecheck']);
    expect(detectGates(probe({ 'package.json': pkg({}), 'tsconfig.json': '{}', 'yarn.lock': '' }, ['typescript/package.json'])).gates[0]?.command).toEqual(['yarn', 'tsc', '--noEmit']);
  });
  test('scripts that modify files are never gates; npm default "no test specified" script is ignored', () => {
    const d = detectGates(probe({ 'package.json': pkg({ lint: 'eslint . --fix', test: 'echo "Error: no test specified" && exit 1', typecheck: 'prettier --write . && tsc' }) }));
    expect(d.gates).toEqual([]);
    expect(d.notes).toHaveLength(3);
    expect(names({ 'package.json': pkg({ test: 'jest -u' }) })).toEqual([]);
    expect(names({ 'package.json': pkg({ test: 'jest --ci', lint: 'eslint --fix-dry-run .' }) })).toEqual(['lint', 'test']);
  });
  test('a broken package.json is a note, not a crash', () => {
    const d = detectGates(probe({ 'package.json': '{ nope' }));
    expect(d.gates).toEqual([]);
    expect(d.notes).toEqual(['package.json is not valid JSON; no npm gates detected']);
  });
});

describe('detectGates: other ecosystems', () => {
  test('pytest from pytest.ini or a pyproject that mentions it, through uv or poetry when locked', () => {
    expect(detectGates(probe({ 'pytest.ini': '' })).gates[0]?.command).toEqual(['pytest', '-q', '-rfE', '-p', 'no:cacheprovider']);
    const uv = detectGates(probe({ 'pyproject.toml': '[tool.pytest.ini_options]\n', 'uv.lock': '' })).gates[0];
    expect(uv).toMatchObject({ name: 'pytest', parser: 'pytest', source: 'pyproject.toml' });
    expect(uv?.command.slice(0, 3)).toEqual(['uv', 'run', 'pytest']);
    expect(detectGates(probe({ 'pyproject.toml': '[dependency-groups]\ndev = ["pytest>=8"]\n', 'poetry.lock': '' })).gates[0]?.command.slice(0, 3)).toEqual(['poetry', 'run', 'pytest']);
    expect(names({ 'pyproject.toml': '[project]\nname = "x"\n' })).toEqual([]);
    expect(names({ 'setup.cfg': '[tool:pytest]\n' })).toEqual(['pytest']);
  });
  test('go vet and go test ./... from go.mod; cargo test from Cargo.toml', () => {
    const go = detectGates(probe({ 'go.mod': 'module example.com/x\n' })).gates;
    expect(go.map((g) => [g.name, g.command.join(' '), g.parser])).toEqual([
      ['go-vet', 'go vet ./...', 'none'],
      ['go-test', 'go test ./...', 'go-test'],
    ]);
    expect(detectGates(probe({ 'Cargo.toml': '[package]\n' })).gates).toEqual([
      { name: 'cargo-test', command: ['cargo', 'test', '--no-fail-fast'], mode: 'required', order: 30, enabled: true, parser: 'cargo-test', source: 'Cargo.toml' },
    ]);
  });
  test('a polyglot repository gets every ecosystem, sorted by order', () => {
    expect(names({ 'package.json': pkg({ test: 'vitest run', lint: 'eslint .' }), 'go.mod': '', 'pytest.ini': '' })).toEqual(['lint', 'go-vet', 'test', 'pytest', 'go-test']);
  });
  test('an empty directory has no gates', () => {
    expect(detectGates(probe({}))).toEqual({ packageManager: undefined, gates: [], notes: [] });
  });
});

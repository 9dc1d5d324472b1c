import type { GateMode, ParserChoice } from '../../schema/gates-config.ts';

/** Read-only view of a project directory; paths are relative to the project root. */
export interface FileProbe {
  /** File text, or undefined when the file does not exist. */
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /** Whether `specifier` resolves from the project root the way Node would (node_modules walk). */
  resolves(specifier: string): boolean;
}

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export interface DetectedGate {
  name: string;
  command: string[];
  mode: GateMode;
  order: number;
  enabled: boolean;
  parser: ParserChoice;
  /** Where it came from, e.g. `package.json scripts.test`. */
  source: string;
}

export interface DetectedGates {
  packageManager: PackageManager | undefined;
  gates: DetectedGate[];
  /** Things a user should know: skipped scripts, unreadable files. */
  notes: string[];
}

const ORDER = { typecheck: 10, lint: 20, test: 30, build: 90 } as const;
const NPM_PLACEHOLDER = /no test specified/;
// Gates must not modify the working tree: a script that fixes, writes or updates snapshots is not a check.
const FIX_FLAG = /(^|\s)(--fix|--write|--apply|-u|--update|--updateSnapshot)(?=[\s=]|$)/;

function packageManagerOf(probe: FileProbe, pkg: Record<string, unknown>, notes: string[]): PackageManager {
  const declared = typeof pkg.packageManager === 'string' ? /^(npm|pnpm|yarn)@/.exec(pkg.packageManager)?.[1] : undefined;
  if (declared) return declared as PackageManager;
  const locks: [string, PackageManager][] = [
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['package-lock.json', 'npm'],
    ['npm-shrinkwrap.json', 'npm'],
  ];
  const found = locks.filter(([file]) => probe.exists(file));
  const first = found[0];
  if (!first) return 'npm';
  if (new Set(found.map(([, pm]) => pm)).size > 1) notes.push(`several lock files (${found.map(([f]) => f).join(', ')}); using ${first[1]}`);
  return first[1];
}

const runScript = (pm: PackageManager, script: string): string[] => [pm, 'run', script];

function execBin(pm: PackageManager, bin: string, args: string[]): string[] {
  // `npx --no` refuses to download: a missing local binary fails instead of installing one.
  if (pm === 'npm') return ['npx', '--no', bin, ...args];
  if (pm === 'pnpm') return ['pnpm', 'exec', bin, ...args];
  return ['yarn', bin, ...args];
}

function testParser(script: string): ParserChoice {
  if (/\bvitest\b/.test(script)) return 'vitest';
  if (/\bjest\b/.test(script)) return 'jest';
  if (/\bnode\b.*\s--test\b/.test(script)) return 'node-test';
  return 'auto';
}

function detectNode(probe: FileProbe, out: DetectedGates): void {
  const text = probe.read('package.json');
  if (text === undefined) return;
  let pkg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    pkg = parsed as Record<string, unknown>;
  } catch {
    out.notes.push('package.json is not valid JSON; no npm gates detected');
    return;
  }
  const pm = packageManagerOf(probe, pkg, out.notes);
  out.packageManager = pm;
  const scripts = typeof pkg.scripts === 'object' && pkg.scripts !== null ? (pkg.scripts as Record<string, unknown>) : {};
  const script = (name: string): string | undefined => (typeof scripts[name] === 'string' ? scripts[name] : undefined);
  const add = (gate: string, scriptName: string, body: string, extra: Partial<DetectedGate> = {}): void => {
    if (FIX_FLAG.test(body)) {
      out.notes.push(`scripts.${scriptName} modifies files ("${body}"); not used as a gate — configure a check-only command`);
      return;
    }
    out.gates.push({
      name: gate,
      command: runScript(pm, scriptName),
      mode: 'required',
      order: ORDER[gate as keyof typeof ORDER],
      enabled: true,
      parser: 'none',
      source: `package.json scripts.${scriptName}`,
      ...extra,
    });
  };

  const typecheckName = ['typecheck', 'type-check'].find((n) => script(n) !== undefined);
  if (typecheckName) add('typecheck', typecheckName, script(typecheckName) ?? '');
  else if (probe.exists('tsconfig.json')) {
    if (probe.resolves('typescript/package.json')) {
      out.gates.push({ name: 'typecheck', command: execBin(pm, 'tsc', ['--noEmit']), mode: 'required', order: ORDER.typecheck, enabled: true, parser: 'none', source: 'tsconfig.json' });
    } else out.notes.push('tsconfig.json found but typescript is not installed; no typecheck gate');
  }
  const lint = script('lint');
  if (lint !== undefined) add('lint', 'lint', lint);
  const test = script('test');
  if (test !== undefined && NPM_PLACEHOLDER.test(test)) out.notes.push('scripts.test is the npm placeholder; no test gate');
  else if (test !== undefined) add('test', 'test', test, { parser: testParser(test) });
  const build = script('build');
  // Off by default (seed: "Build (optional)"): enable it in .orch/config.yaml.
  if (build !== undefined) add('build', 'build', build, { mode: 'advisory', enabled: false });
}

function detectPython(probe: FileProbe, out: DetectedGates): void {
  const mentions = (file: string, pattern: RegExp): boolean => pattern.test(probe.read(file) ?? '');
  const pytest =
    probe.exists('pytest.ini') ||
    mentions('pyproject.toml', /\bpytest\b/) ||
    mentions('setup.cfg', /^\[tool:pytest\]/m) ||
    mentions('tox.ini', /^\[pytest\]/m);
  if (!pytest) return;
  const runner = probe.exists('uv.lock') ? ['uv', 'run'] : probe.exists('poetry.lock') ? ['poetry', 'run'] : [];
  // -p no:cacheprovider: no .pytest_cache written into the tree; -rfE: list failures and errors.
  out.gates.push({
    name: 'pytest',
    command: [...runner, 'pytest', '-q', '-rfE', '-p', 'no:cacheprovider'],
    mode: 'required',
    order: ORDER.test,
    enabled: true,
    parser: 'pytest',
    source: probe.exists('pytest.ini') ? 'pytest.ini' : probe.exists('pyproject.toml') ? 'pyproject.toml' : 'setup.cfg/tox.ini',
  });
}

function detectGo(probe: FileProbe, out: DetectedGates): void {
  if (!probe.exists('go.mod')) return;
  out.gates.push({ name: 'go-vet', command: ['go', 'vet', './...'], mode: 'required', order: ORDER.lint, enabled: true, parser: 'none', source: 'go.mod' });
  out.gates.push({ name: 'go-test', command: ['go', 'test', './...'], mode: 'required', order: ORDER.test, enabled: true, parser: 'go-test', source: 'go.mod' });
}

function detectRust(probe: FileProbe, out: DetectedGates): void {
  if (!probe.exists('Cargo.toml')) return;
  // --no-fail-fast: every test binary runs, so all failing tests are named, not only the first binary's.
  out.gates.push({ name: 'cargo-test', command: ['cargo', 'test', '--no-fail-fast'], mode: 'required', order: ORDER.test, enabled: true, parser: 'cargo-test', source: 'Cargo.toml' });
}

/** Which quality gates does this project have? Pure: everything comes through `probe`. */
export function detectGates(probe: FileProbe): DetectedGates {
  const out: DetectedGates = { packageManager: undefined, gates: [], notes: [] };
  detectNode(probe, out);
  detectPython(probe, out);
  detectGo(probe, out);
  detectRust(probe, out);
  out.gates.sort((a, b) => a.order - b.order);
  return out;
}

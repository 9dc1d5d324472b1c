import pc from 'picocolors';
import type { GateResult, GateRun, GateStatus } from '../../schema/gate-run.ts';

export interface RenderGatesOptions {
  color: boolean;
  /** Output lines shown per failing gate (default 15). */
  tailLines?: number;
  /** Failing test names shown per gate (default 10). */
  maxTests?: number;
}

type Paint = (s: string) => string;

const SYMBOL: Record<GateStatus, string> = { pass: '✔', fail: '✖', error: '!', timeout: '⏱', skipped: '-' };

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** `sh -c 'x'` shows as `x`: that is what the user configured. */
export function displayCommand(argv: readonly string[]): string {
  if (argv.length === 3 && argv[0] === 'sh' && argv[1] === '-c') return argv[2] ?? '';
  return argv.map(quoteArg).join(' ');
}

function detail(r: GateResult): string {
  const parts: string[] = [];
  if (r.counts) {
    const { passed, failed, skipped, total } = r.counts;
    parts.push(`${passed}/${total} passed` + (failed ? `, ${failed} failed` : '') + (skipped ? `, ${skipped} skipped` : ''));
  }
  if (r.reason !== undefined) parts.push(r.reason);
  else if (r.status === 'fail') parts.push(r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode ?? '?'}`);
  if (r.mode === 'advisory') parts.push('advisory');
  return parts.join(' · ');
}

/** A human table of a gate run, then failing tests and the output tail of each failing gate. */
export function renderGateRun(run: GateRun, opts: RenderGatesOptions): string {
  const c = pc.createColors(opts.color);
  const paint: Record<GateStatus, Paint> = { pass: c.green, fail: c.red, error: c.red, timeout: c.yellow, skipped: c.dim };
  const tailLines = opts.tailLines ?? 15;
  const maxTests = opts.maxTests ?? 10;
  const out: string[] = [];

  const tally = new Map<GateStatus, number>();
  for (const r of run.results) tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
  const totalMs = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
  const summary = [...tally].map(([s, n]) => paint[s](`${n} ${s}`)).join(', ');
  const where = run.head ? ` at ${run.head.slice(0, 12)}` : '';
  out.push(`${c.bold(run.ok ? c.green('Gates passed') : c.red('Gates failed'))}  ${summary || 'no gates'}  ${c.dim(`(${seconds(Number.isFinite(totalMs) ? totalMs : 0)}${where})`)}`);
  if (run.results.length === 0) return `${out.join('\n')}\n`;

  const nameW = Math.max(...run.results.map((r) => r.name.length));
  const statusW = Math.max(...run.results.map((r) => r.status.length));
  out.push('');
  for (const r of run.results) {
    const time = r.status === 'skipped' ? '' : seconds(r.durationMs);
    const cols = [
      `  ${paint[r.status](SYMBOL[r.status])} ${r.name.padEnd(nameW)}`,
      paint[r.status](r.status.padEnd(statusW)),
      time.padStart(7),
      c.dim(displayCommand(r.command)),
      detail(r),
    ];
    out.push(cols.filter((s) => s !== '').join('  ').trimEnd());
  }

  for (const r of run.results) {
    if (r.status === 'pass' || r.status === 'skipped') continue;
    out.push('', c.bold(`${r.name} (${r.status}${r.reason !== undefined ? `: ${r.reason}` : ''})`));
    if (r.failingTests.length > 0) {
      out.push(`  failing tests (${r.failingTests.length}):`);
      for (const t of r.failingTests.slice(0, maxTests)) out.push(`    ${paint.fail('✖')} ${t}`);
      if (r.failingTests.length > maxTests) out.push(c.dim(`    … ${r.failingTests.length - maxTests} more (see --json)`));
    }
    const tail = r.outputTail.split('\n').filter((l, i, all) => l.trim() !== '' || (i > 0 && i < all.length - 1));
    if (tail.length > 0) {
      out.push(`  output (last ${Math.min(tailLines, tail.length)} lines):`);
      for (const l of tail.slice(-tailLines)) out.push(c.dim(`    │ ${l}`));
    }
  }
  return `${out.join('\n')}\n`;
}

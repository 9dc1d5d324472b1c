import { reviewEpic, type ReviewEpicResult } from '../../../adapters/review/wiring.ts';
import { EXIT } from '../../../core/errors.ts';
import { validateId } from '../../../core/validate.ts';
import { openFromOptions } from '../../context.ts';
import { note, output, usageError, type CommonOptions } from '../../io.ts';

interface Opts extends CommonOptions {
  epic: string;
  base?: string;
  reviewers?: string;
}

function parseReviewers(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const names = [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
  if (names.length === 0) throw usageError('--reviewers is empty', 'give names, e.g. --reviewers security,quality');
  return names;
}

const money = (n: number): string => `$${n.toFixed(4)}`;

function render(r: ReviewEpicResult): string {
  const lines: string[] = [];
  for (const a of r.addressed) lines.push(`addressed: ${a.findingId} (${a.reviewer}) by ${a.commit.slice(0, 10)}`);
  if (r.empty) {
    lines.push(`nothing to review: epic ${r.epicId} has no changes since ${r.base.slice(0, 10)}; no reviewer ran`);
    return lines.join('\n');
  }
  lines.push(`review ${r.reviewId} of epic ${r.epicId}: ${r.files.length} file(s) changed since ${r.base.slice(0, 10)}${r.truncated ? ' (diff cut to fit)' : ''}, cost ${money(r.costUsd)}`);
  for (const s of r.reviewers) {
    lines.push(`  ${s.reviewer}: ${s.status === 'ok' ? `${s.findings} finding(s)` : `ERROR — ${s.error ?? 'unknown'}`}${s.dropped ? `, ${s.dropped} dropped (quote not in the diff)` : ''}`);
  }
  for (const f of r.findings) {
    lines.push(`${f.blocking ? 'BLOCKING ' : ''}[${f.severity}] ${f.findingId} ${f.reviewer} ${f.file}:${f.line}: ${f.finding}${f.suggestion ? `\n    suggestion: ${f.suggestion}` : ''}`);
  }
  if (r.blocking.length > 0) lines.push(`blocked: ${r.blocking.length} blocking finding(s); they are in the next brief. Fix them, or dismiss a false positive with orch review dismiss <id>`);
  if (r.errors.length > 0) lines.push(`not a pass: ${r.errors.length} reviewer(s) failed; run again`);
  if (r.ok) lines.push('passed');
  return lines.join('\n');
}

export async function run(o: Opts): Promise<number> {
  const epicId = validateId('epic', o.epic);
  const reviewers = parseReviewers(o.reviewers);
  const { deps, repo } = await openFromOptions(o);
  const progress = !o.json && process.stderr.isTTY;
  const r = await reviewEpic(deps, repo, epicId, {
    base: o.base ?? null,
    reviewers,
    ...(progress ? { onProgress: (p) => { note(`${p.reviewer}: ${p.status}${p.findings !== undefined ? ` (${p.findings} finding(s))` : ''}`); } } : {}),
  });
  output(o, r, render);
  return r.ok ? EXIT.ok : EXIT.negative;
}

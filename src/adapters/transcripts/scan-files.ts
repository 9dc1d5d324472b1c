/** Scans every transcript under some `projects/` dirs into one deduplicated cost report. */
import { normalizeDate, summarizeUsage, UsageLedger, type CostMode, type CostReport } from '../../core/cost/scan.ts';
import type { PriceTable } from '../../core/prices/price-table.ts';
import { findTranscripts, type TranscriptFile } from './discover.ts';
import { scanTranscriptFrom } from './read.ts';

export interface TranscriptScanOptions {
  /** `projects/` directories (see `claudeProjectDirs`). */
  projectsDirs: readonly string[];
  prices: PriceTable;
  mode?: CostMode;
  since?: string;
  until?: string;
  timeZone?: string;
  /** Files read at once. Parsing is CPU-bound on one thread; a few in flight keep the disk busy meanwhile. */
  concurrency?: number;
}

export interface TranscriptScanResult {
  report: CostReport;
  files: number;
  bytes: number;
  /** Usage lines seen, duplicates included. */
  usageLines: number;
  malformedLines: number;
  invalidLines: number;
  /** Files that could not be read (deleted mid-scan, permissions): skipped, listed here. */
  unreadable: { path: string; error: string }[];
}

export async function scanTranscripts(opts: TranscriptScanOptions): Promise<TranscriptScanResult> {
  // Reject a bad date before reading a gigabyte.
  if (opts.since !== undefined) normalizeDate(opts.since, '--since');
  if (opts.until !== undefined) normalizeDate(opts.until, '--until');
  const files = await findTranscripts(opts.projectsDirs);
  const ledger = new UsageLedger();
  const unreadable: TranscriptScanResult['unreadable'] = [];
  let bytes = 0;
  let malformed = 0;
  let invalid = 0;
  const visit = { usage: ledger.add.bind(ledger), costState: ledger.addCostState.bind(ledger) };

  let next = 0;
  const worker = async (): Promise<void> => {
    for (let f: TranscriptFile | undefined; (f = files[next++]) !== undefined; ) {
      try {
        const s = await scanTranscriptFrom(f.path, 0, visit, { sessionId: f.sessionId, project: f.project, source: f.path });
        bytes += s.bytes;
        malformed += s.malformed;
        invalid += s.invalid;
      } catch (e) {
        unreadable.push({ path: f.path, error: (e as Error).message });
      }
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, files.length));
  await Promise.all(Array.from({ length: n }, worker));

  const report = summarizeUsage(ledger.records(), ledger.costStates(), {
    prices: opts.prices,
    ...(opts.mode === undefined ? {} : { mode: opts.mode }),
    ...(opts.since === undefined ? {} : { since: opts.since }),
    ...(opts.until === undefined ? {} : { until: opts.until }),
    ...(opts.timeZone === undefined ? {} : { timeZone: opts.timeZone }),
  });
  return {
    report,
    files: files.length,
    bytes,
    usageLines: ledger.seen,
    malformedLines: malformed,
    invalidLines: invalid,
    unreadable: unreadable.sort((a, b) => (a.path < b.path ? -1 : 1)),
  };
}

/** Incremental, streaming reader for Claude Code transcript files (JSONL, appended while a session runs). */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { CostStateRecord, UsageRecord } from '../../core/cost/records.ts';
import { classifyLine, type LineContext } from './parse-line.ts';

const CHUNK = 1 << 20;
const NL = 0x0a;
// Only lines holding these keys can matter. Inside a JSON string a quote is escaped (\"), so `"usage"` cannot
// match string content, and every other line is skipped without decoding or parsing. Cost-state lines are
// found by their `totalCostUSD` key (a needle ending in a rare letter-quote pair searches fastest).
const USAGE = Buffer.from('"usage"');
const COST_STATE = Buffer.from('totalCostUSD"');

export interface ReadStats {
  /** Candidate lines that were not valid JSON. */
  malformed: number;
  /** Usage-shaped lines dropped for a bad field (timestamp, version, empty id …). */
  invalid: number;
  bytes: number;
}

export interface ReadResult extends ReadStats {
  records: UsageRecord[];
  costStates: CostStateRecord[];
  /** Byte offset to resume from: just past the last complete line consumed. */
  offset: number;
}

export interface ReadVisitor {
  usage(r: UsageRecord): void;
  costState(r: CostStateRecord): void;
}

/** Session id and project from the conventional path `projects/<encoded-cwd>/<session-id>.jsonl`. */
export function contextFromPath(file: string): LineContext {
  return { sessionId: path.basename(file, '.jsonl'), project: path.basename(path.dirname(file)), source: file };
}

/** Start indexes of the lines in buf[start, end) that contain `needle`. */
function candidateLines(buf: Buffer, start: number, end: number, needle: Buffer, out: number[]): void {
  let pos = buf.indexOf(needle, start);
  while (pos !== -1 && pos < end) {
    const lineStart = pos === start ? start : Math.max(start, buf.lastIndexOf(NL, pos - 1) + 1);
    out.push(lineStart);
    const nl = buf.indexOf(NL, pos);
    if (nl === -1 || nl >= end) return;
    pos = buf.indexOf(needle, nl + 1);
  }
}

/**
 * Streams `file` from byte `offset`, handing each usage / cost-state record to `visit`. Only complete lines
 * are consumed, so a line still being written is read next time; a last line without its newline is taken
 * only when it already parses as JSON. Returns the offset to resume from.
 */
export async function scanTranscriptFrom(
  file: string,
  offset: number,
  visit: ReadVisitor,
  ctx: LineContext = contextFromPath(file),
  chunkSize = CHUNK,
): Promise<ReadStats & { offset: number }> {
  const stats: ReadStats = { malformed: 0, invalid: 0, bytes: 0 };
  const fh = await open(file, 'r');
  try {
    let filePos = offset; // where the next read starts
    let consumed = offset; // just past the last complete line
    let carry: Buffer | null = null;
    const starts: number[] = [];

    const handle = (buf: Buffer, lineStart: number, lineEnd: number, atEof: boolean): boolean => {
      const text = buf.toString('utf8', lineStart, lineEnd);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        if (!atEof) stats.malformed++;
        return false;
      }
      const lineOffset = consumed + lineStart;
      const res = classifyLine(parsed, ctx, lineOffset);
      if (res.kind === 'usage') visit.usage(res.record);
      else if (res.kind === 'cost-state') visit.costState(res.record);
      else if (res.kind === 'invalid') stats.invalid++;
      return true;
    };

    const scanRegion = (buf: Buffer, end: number): void => {
      starts.length = 0;
      candidateLines(buf, 0, end, USAGE, starts);
      const usageCount = starts.length;
      candidateLines(buf, 0, end, COST_STATE, starts);
      for (let i = 0; i < starts.length; i++) {
        const s = starts[i] ?? 0;
        // A cost-state hit on a line already handled as a usage line is the same line.
        if (i >= usageCount && starts.indexOf(s) < usageCount) continue;
        const nl = buf.indexOf(NL, s);
        handle(buf, s, nl === -1 || nl > end ? end : nl, false);
      }
    };

    for (;;) {
      const keep: number = carry === null ? 0 : carry.length;
      const data = Buffer.allocUnsafe(keep + chunkSize);
      if (carry !== null) carry.copy(data, 0);
      const { bytesRead } = await fh.read(data, keep, chunkSize, filePos);
      filePos += bytesRead;
      stats.bytes += bytesRead;
      const len: number = keep + bytesRead;
      if (bytesRead === 0) {
        // EOF: an unterminated tail is consumed only when it already parses (the writer may add \n later).
        const tail = data.subarray(0, len);
        const candidate = tail.indexOf(USAGE) !== -1 || tail.indexOf(COST_STATE) !== -1;
        if (len > 0 && candidate && handle(tail, 0, len, true)) consumed += len;
        break;
      }
      const lastNl: number = data.lastIndexOf(NL, len - 1);
      if (lastNl === -1) {
        carry = data.subarray(0, len);
        continue;
      }
      scanRegion(data, lastNl);
      consumed += lastNl + 1;
      carry = lastNl + 1 < len ? Buffer.from(data.subarray(lastNl + 1, len)) : null;
    }
    return { ...stats, offset: consumed };
  } finally {
    await fh.close();
  }
}

/** `scanTranscriptFrom` collecting into arrays: for hooks and tailing one session's transcript. */
export async function readTranscriptFrom(file: string, offset: number, ctx?: LineContext): Promise<ReadResult> {
  const records: UsageRecord[] = [];
  const costStates: CostStateRecord[] = [];
  const res = await scanTranscriptFrom(file, offset, { usage: (r) => records.push(r), costState: (c) => costStates.push(c) }, ctx);
  return { ...res, records, costStates };
}

/** New usage of one Claude session since the offsets a hook saved: its transcript and subagent logs. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { UsageRecord } from '../../core/cost/records.ts';
import { readTranscriptFrom } from '../transcripts/read.ts';

/** Subagent logs sit next to the transcript, in `<session id>/subagents/*.jsonl`. */
async function subagentLogs(transcript: string): Promise<string[]> {
  const dir = path.join(path.dirname(transcript), path.basename(transcript, '.jsonl'), 'subagents');
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export interface TranscriptDelta {
  records: UsageRecord[];
  offsets: Record<string, number>;
  /** Usage lines that were not valid JSON (skipped, their cost unknown), over all files read. */
  malformedLines: number;
}

/** Complete lines only: a line Claude Code is still writing is read next time. Missing files are skipped. */
export async function readTranscriptDelta(transcript: string, offsets: Readonly<Record<string, number>>): Promise<TranscriptDelta> {
  const next: Record<string, number> = { ...offsets };
  const records: UsageRecord[] = [];
  let malformedLines = 0;
  for (const file of [transcript, ...(await subagentLogs(transcript))]) {
    try {
      const res = await readTranscriptFrom(file, offsets[file] ?? 0);
      records.push(...res.records);
      malformedLines += res.malformed;
      next[file] = res.offset;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return { records, offsets: next, malformedLines };
}

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTranscriptDelta } from './transcript-delta.ts';

const SID = '11111111-2222-4333-8444-555555555555';
const line = (id: string): string =>
  `${JSON.stringify({ type: 'assistant', sessionId: SID, version: '2.1.197', timestamp: '2026-11-24T10:00:00.000Z', requestId: `req_${id}`, message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', role: 'assistant', usage: { input_tokens: 10, output_tokens: 1 } } })}\n`;
const cut = '{"type":"assistant","message":{"usage":{"input_tokens":\n';

describe('readTranscriptDelta', () => {
  it('counts malformed usage lines over the transcript and its subagent logs, once per read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'orch-delta-'));
    const transcript = path.join(dir, `${SID}.jsonl`);
    writeFileSync(transcript, line('1') + cut + line('2'));
    mkdirSync(path.join(dir, SID, 'subagents'), { recursive: true });
    writeFileSync(path.join(dir, SID, 'subagents', 'a.jsonl'), cut + line('3'));
    const first = await readTranscriptDelta(transcript, {});
    expect(first.records.map((r) => r.messageId)).toEqual(['msg_1', 'msg_2', 'msg_3']);
    expect(first.malformedLines).toBe(2);
    const again = await readTranscriptDelta(transcript, first.offsets);
    expect(again).toMatchObject({ records: [], malformedLines: 0 });
    expect(await readTranscriptDelta(path.join(dir, 'missing.jsonl'), {})).toMatchObject({ records: [], malformedLines: 0 });
  });
});

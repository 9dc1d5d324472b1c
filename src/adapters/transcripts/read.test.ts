import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../core/cost/records.ts';
import { tempDir } from '../../../test/support/repo.ts';
import { readTranscriptFrom, scanTranscriptFrom } from './read.ts';

const fixture = path.resolve('test/fixtures/transcripts/projects/-home-u-app/sess-a.jsonl');
// Removed when the test ends (onTestFinished), unlike a bare mkdtemp.
const tmp = (): string => tempDir('orch-transcripts-');

const line = (id: string, out: number, pad = ''): string =>
  JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    timestamp: '2026-03-01T10:00:00.000Z',
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', content: [{ type: 'text', text: pad }], usage: { input_tokens: 1, output_tokens: out } },
  });

describe('readTranscriptFrom', () => {
  it('reads usage and cost-state lines, skipping and counting malformed and invalid ones', async () => {
    const r = await readTranscriptFrom(fixture, 0);
    expect(r.records.map((x) => [x.messageId, x.usage.outputTokens])).toEqual([
      ['msg_1', 1],
      ['msg_1', 50],
      ['msg_1', 50],
      ['msg_2', 20],
      ['msg_3', 30],
      ['msg_5', 40],
    ]);
    expect(r.malformed).toBe(1); // the torn line in the middle
    expect(r.invalid).toBe(1); // timestamp "not-a-date"
    expect(r.costStates.map((c) => c.totalCostUSD)).toEqual([0.5, 0.75]);
    expect(r.records[5]?.costUSD).toBe(1.25);
    expect(r.records[0]).toMatchObject({ sessionId: 'sess-a', project: '-home-u-app', requestId: 'req_1', isSidechain: false });
    expect(r.records[0]?.usage).toEqual({ inputTokens: 10, outputTokens: 1, cacheCreationInputTokens: 100, cacheReadInputTokens: 1000 });
  });

  it('leaves a half-written last line for the next read', async () => {
    const f = path.join(tmp(), 's.jsonl');
    const third = line('c', 3);
    writeFileSync(f, `${line('a', 1)}\n${line('b', 2)}\n${third.slice(0, 40)}`);
    const first = await readTranscriptFrom(f, 0);
    expect(first.records.map((r) => r.messageId)).toEqual(['msg_a', 'msg_b']);
    expect(first.malformed).toBe(0);
    appendFileSync(f, `${third.slice(40)}\n`);
    const second = await readTranscriptFrom(f, first.offset);
    expect(second.records.map((r) => r.messageId)).toEqual(['msg_c']);
    const third2 = await readTranscriptFrom(f, second.offset);
    expect(third2.records).toEqual([]);
    expect(third2.offset).toBe(second.offset);
  });

  it('takes a final line without newline when it is already complete JSON', async () => {
    const f = path.join(tmp(), 's.jsonl');
    writeFileSync(f, `${line('a', 1)}\n${line('b', 2)}`);
    const r = await readTranscriptFrom(f, 0);
    expect(r.records).toHaveLength(2);
    appendFileSync(f, `\n${line('c', 3)}\n`);
    const next = await readTranscriptFrom(f, r.offset);
    expect(next.records.map((x) => x.messageId)).toEqual(['msg_c']);
    expect(next.malformed).toBe(0);
  });

  it('ignores "usage" inside string content (escaped quotes) and never parses such lines as usage', async () => {
    const f = path.join(tmp(), 's.jsonl');
    const user = JSON.stringify({ type: 'user', timestamp: '2026-03-01T10:00:00.000Z', message: { role: 'user', content: '{"usage":{"input_tokens":99,"output_tokens":99}}' } });
    writeFileSync(f, `${user}\n${line('a', 1)}\n`);
    const r = await readTranscriptFrom(f, 0);
    expect(r.records.map((x) => x.usage.outputTokens)).toEqual([1]);
  });

  // Lines of random size (multi-byte text included), split into appends at random byte positions and read
  // with a tiny chunk size: the records must equal those of one naive split-and-parse of the whole file.
  it('reads the same records however the file is appended and chunked', async () => {
    const lineArb = fc.oneof(
      { weight: 5, arbitrary: fc.record({ out: fc.nat(1000), pad: fc.string({ unit: 'grapheme', maxLength: 300 }) }).map(({ out, pad }) => ({ out, pad })) },
      { weight: 1, arbitrary: fc.constantFrom('{"type":"assistant","message":{"usage":', '{"type":"user","message":{"content":"x"}}', '') },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(lineArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), fc.integer({ min: 1, max: 512 }), async (items, cuts, chunk) => {
        let n = 0;
        const lines = items.map((it) => (typeof it === 'string' ? it : line(`m${n++}`, it.out, it.pad)));
        const whole = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        const expected = lines.filter((l) => l.startsWith('{"type":"assistant","sessionId"')).map((l) => (JSON.parse(l) as { message: { id: string } }).message.id);

        const f = path.join(tmp(), 's.jsonl');
        writeFileSync(f, '');
        const points = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const got: UsageRecord[] = [];
        let offset = 0;
        let written = 0;
        for (const p of [...points, whole.length]) {
          appendFileSync(f, whole.subarray(written, p));
          written = p;
          const r = await scanTranscriptFrom(f, offset, { usage: (u) => got.push(u), costState: () => undefined }, undefined, chunk);
          offset = r.offset;
        }
        expect(got.map((r) => r.messageId)).toEqual(expected);
        expect(offset).toBe(whole.length);
      }),
      { numRuns: 60 },
    );
  });
});

/**
 * Writes a synthetic Claude Code transcript corpus shaped like 2.1.x transcripts:
 *   npx tsx bench/cost-scan/generate.ts <out-dir> [size-MB=1024] [seed=1]
 * Layout: <out-dir>/projects/<encoded-cwd>/<session>.jsonl, plus subagent files under <session>/subagents/.
 * Per API response one assistant line per content block, all with the same message.id, requestId and the
 * final usage (as 2.1.x writes them); tool results carry file contents; some forks replay parent lines;
 * cost-state lines end processes; a few malformed and invalid lines are sprinkled in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [outDir, sizeArg = '1024', seedArg = '1'] = process.argv.slice(2);
if (outDir === undefined) {
  console.error('usage: generate.ts <out-dir> [size-MB=1024] [seed=1]');
  process.exit(2);
}
const target = Number(sizeArg) * 1024 * 1024;

let state = Number(seedArg) >>> 0 || 1;
/** mulberry32: the same seed gives the same corpus. */
const rand = (): number => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
const b62 = (n: number): string =>
  Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[int(0, 61)]).join('');
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

const WORDS = 'the function returns a promise that resolves when the session checkpoint is written to git and the budget is updated so we can resume later with a fresh context window while tests pass and the usage of tokens stays low'.split(' ');
const prose = (words: number): string => Array.from({ length: words }, () => pick(WORDS)).join(' ');
const CODE = [
  'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'const usage = { "usage": { "input_tokens": 10 } }; // looks like a usage line, but it is file content\n',
  "import { readFile } from 'node:fs/promises';\nconst text = await readFile(path, 'utf8');\n",
  'for (const line of lines) {\n  if (line.includes("usage")) count++;\n}\n',
];
const code = (lines: number): string => Array.from({ length: lines }, () => pick(CODE)).join('');

const MODELS = ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001', 'claude-opus-4-5-20251101'];
const PROJECTS = Array.from({ length: 12 }, (_, i) => `/home/dev/work/project-${i}${i % 3 === 0 ? '.app' : ''}`);
const encode = (cwd: string): string => cwd.replace(/[^A-Za-z0-9]/g, '-');
const DAY0 = Date.parse('2026-10-01T00:00:00.000Z');

let written = 0;
let sessions = 0;
const lastSessionLines: { dir: string; lines: string[] }[] = [];

function session(): void {
  const cwd = pick(PROJECTS);
  const dir = path.join(outDir as string, 'projects', encode(cwd));
  const sessionId = uuid();
  const version = pick(['2.1.197', '2.1.331', '2.0.14']);
  let t = DAY0 + int(0, 45) * 86_400_000 + int(0, 86_399_000);
  const base = { parentUuid: null as string | null, isSidechain: false, userType: 'external', cwd, sessionId, version, gitBranch: 'main' };
  const lines: string[] = [];
  const push = (o: object): void => void lines.push(JSON.stringify(o));
  const stamp = (): string => new Date((t += int(200, 40_000))).toISOString();
  let parent: string | null = null;
  const env = (type: string) => {
    const uuidNow = uuid();
    const o = { ...base, parentUuid: parent, type, uuid: uuidNow, timestamp: stamp() };
    parent = uuidNow;
    return o;
  };
  push({ type: 'summary', summary: prose(8), leafUuid: uuid() });
  const model = pick(MODELS);
  let cacheRead = int(5_000, 20_000);
  for (let turn = 0, turns = int(3, 40); turn < turns; turn++) {
    push({ ...env('user'), message: { role: 'user', content: prose(int(5, 80)) }, permissionMode: 'default' });
    for (let call = 0, calls = int(1, 6); call < calls; call++) {
      const msgId = `msg_01${b62(22)}`;
      const requestId = `req_011C${b62(20)}`;
      const m = rand() < 0.08 ? 'claude-haiku-4-5-20251001' : model;
      const usage = {
        input_tokens: int(1, 12),
        cache_creation_input_tokens: int(0, 6_000),
        cache_read_input_tokens: (cacheRead += int(100, 3_000)),
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
        output_tokens: int(20, 2_500),
        service_tier: 'standard',
      };
      const toolId = `toolu_01${b62(22)}`;
      const blocks: object[] = [{ type: 'text', text: prose(int(5, 120)) }];
      if (rand() < 0.7) blocks.push({ type: 'tool_use', id: toolId, name: pick(['Read', 'Write', 'Bash', 'Edit']), input: { file_path: `${cwd}/src/f${int(1, 99)}.ts`, content: rand() < 0.8 ? '' : code(int(5, 60)) } });
      if (rand() < 0.2) blocks.unshift({ type: 'thinking', thinking: prose(int(20, 200)), signature: b62(300) });
      const ts = stamp();
      for (const block of blocks) {
        const o = { ...env('assistant'), timestamp: ts, requestId, message: { model: m, id: msgId, type: 'message', role: 'assistant', content: [block], stop_reason: 'tool_use', stop_sequence: null, usage } };
        push(o);
      }
      if (blocks.length > 1) {
        // Most tool results are short (ls, grep, edits); some are whole files.
        const content = rand() < 0.75 ? code(int(1, 15)) : code(int(40, 300));
        push({ ...env('user'), message: { role: 'user', content: [{ tool_use_id: toolId, type: 'tool_result', content }] }, toolUseResult: { type: 'text', file: { filePath: `${cwd}/src/x.ts`, content, numLines: 10 } } });
      }
    }
    if (rand() < 0.05) lines.push('{"type":"assistant","message":{"usage":{"input_tokens":5,'); // torn write
    if (rand() < 0.05) push({ ...env('assistant'), timestamp: 'yesterday', requestId: `req_${b62(10)}`, message: { id: `msg_${b62(10)}`, model, usage: { input_tokens: 9, output_tokens: 9 } } });
    if (rand() < 0.03) push({ ...env('assistant'), requestId: `req_${b62(12)}`, message: { id: `msg_${b62(12)}`, model: '<synthetic>', content: [{ type: 'text', text: 'API Error' }], usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } });
    push({ type: 'file-history-snapshot', messageId: uuid(), snapshot: { trackedFileBackups: {}, timestamp: stamp() } });
  }
  push({ type: 'cost-state', sessionId, totalCostUSD: Number((rand() * 5).toFixed(6)), modelUsage: { [model]: { costUSD: 1 } }, hasUnknownModelCost: false });
  mkdirSync(dir, { recursive: true });
  const text = lines.join('\n') + '\n';
  writeFileSync(path.join(dir, `${sessionId}.jsonl`), text);
  written += Buffer.byteLength(text);
  lastSessionLines.push({ dir, lines });
  if (lastSessionLines.length > 3) lastSessionLines.shift();

  if (rand() < 0.15) {
    // Subagent transcript: sidechain traffic with its own ids.
    const sub: string[] = [];
    for (let i = 0, n = int(2, 15); i < n; i++) {
      const usage = { input_tokens: int(1, 50), cache_creation_input_tokens: int(0, 3_000), cache_read_input_tokens: int(0, 30_000), output_tokens: int(10, 900) };
      sub.push(JSON.stringify({ ...base, isSidechain: true, agentId: hex(8), type: 'assistant', uuid: uuid(), timestamp: stamp(), requestId: `req_011C${b62(20)}`, message: { model: 'claude-haiku-4-5-20251001', id: `msg_01${b62(22)}`, type: 'message', role: 'assistant', content: [{ type: 'text', text: prose(int(10, 300)) }], usage } }));
    }
    const subDir = path.join(dir, sessionId, 'subagents');
    mkdirSync(subDir, { recursive: true });
    const subText = sub.join('\n') + '\n';
    writeFileSync(path.join(subDir, `agent-${hex(8)}.jsonl`), subText);
    written += Buffer.byteLength(subText);
  }
  if (rand() < 0.05 && lastSessionLines.length > 1) {
    // Fork: a new session file that replays its parent's lines (same message and request ids).
    const parentFile = lastSessionLines[0] as { dir: string; lines: string[] };
    const forkText = parentFile.lines.slice(0, int(1, parentFile.lines.length)).join('\n') + '\n';
    writeFileSync(path.join(parentFile.dir, `${uuid()}.jsonl`), forkText);
    written += Buffer.byteLength(forkText);
  }
  sessions++;
}

while (written < target) session();
console.log(JSON.stringify({ outDir, bytes: written, sessions }));

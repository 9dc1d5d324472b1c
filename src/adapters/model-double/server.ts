import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { DEFAULT_SCENARIO, findScenarioMarker, parseScenarios, type ScenarioInput, type ScenarioSet, type Turn } from './scenario.ts';
import { blockEvents, contentBlocks, encodeSse, errorBody, messageEnd, messageJson, messageStart, type SseEvent } from './sse.ts';

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body, or null when absent / not JSON. */
  body: unknown;
  /** turn: a scripted model call; side: a model call answered without using a turn. */
  kind: 'turn' | 'side' | 'count_tokens' | 'probe' | 'other';
  scenario: string | null;
  conversation: string | null;
  /** Index of the scripted turn that answered (null for side requests and past the end of the script). */
  turnIndex: number | null;
  requestId: string;
  messageId: string | null;
  status: number;
}

export interface ModelDouble {
  url: string;
  port: number;
  /** Every request, in arrival order (recorded before it is answered). */
  requests: RecordedRequest[];
  /** Scripted model calls only, optionally of one scenario. */
  turns(scenario?: string): RecordedRequest[];
  close(): Promise<void>;
}

const MODEL_FALLBACK = 'claude-sonnet-4-5-20250929';
const id = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { resolve(Buffer.concat(chunks).toString('utf8')); });
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return raw === '' ? null : (JSON.parse(raw) as unknown);
  } catch {
    return null;
  }
}

const field = (o: unknown, k: string): unknown => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined);

/** Claude Code sends its session id as a header; the cursor follows it across `--resume`. */
function conversationOf(headers: IncomingHttpHeaders, body: unknown): string {
  const h = headers['x-claude-code-session-id'];
  if (typeof h === 'string' && h !== '') return h;
  const userId = field(field(body, 'metadata'), 'user_id');
  if (typeof userId === 'string') {
    const sid = field(parseJson(userId), 'session_id');
    if (typeof sid === 'string') return sid;
  }
  return 'anonymous';
}

/**
 * Main-loop model calls always send a `tools` array (empty with `--tools ""`); a call without one is
 * a side query (title, summary) and is answered without advancing the script, so it cannot shift it.
 */
function isMainLoop(body: unknown): boolean {
  return Array.isArray(field(body, 'tools'));
}

export async function startModelDouble(input: ScenarioInput | Record<string, ScenarioInput>, opts: { port?: number } = {}): Promise<ModelDouble> {
  const scenarios: ScenarioSet = parseScenarios(input);
  const cursors = new Map<string, number>();
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody(500, 'api_error', `model double crashed: ${String(e)}`));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const body = parseJson(rawBody);
    const requestId = id('req');
    res.setHeader('request-id', requestId);
    const rec: RecordedRequest = {
      seq: requests.length, method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, rawBody, body,
      kind: 'other', scenario: null, conversation: null, turnIndex: null, requestId, messageId: null, status: 200,
    };
    requests.push(rec);
    const path = rec.url.split('?')[0] ?? '/';

    if (path === '/' || path === '/api/hello') {
      rec.kind = 'probe';
      res.writeHead(200, { 'content-type': 'application/json' }).end(rec.method === 'HEAD' ? undefined : '{}');
      return;
    }
    if (path === '/v1/messages/count_tokens' && rec.method === 'POST') {
      rec.kind = 'count_tokens';
      send(res, 200, { input_tokens: Math.max(1, Math.ceil(rawBody.length / 4)) });
      return;
    }
    if (path === '/v1/models' && rec.method === 'GET') {
      const data = [{ type: 'model', id: MODEL_FALLBACK, display_name: 'Model double', created_at: '2025-09-29T00:00:00Z' }];
      send(res, 200, { data, has_more: false, first_id: MODEL_FALLBACK, last_id: MODEL_FALLBACK });
      return;
    }
    if (path !== '/v1/messages' || rec.method !== 'POST') {
      rec.status = 404;
      send(res, 404, errorBody(404, undefined, `model double: no route ${rec.method} ${path}`));
      return;
    }
    if (body === null) {
      rec.status = 400;
      send(res, 400, errorBody(400, undefined, 'model double: body is not JSON'));
      return;
    }
    await answerMessages(rec, res);
  }

  async function answerMessages(rec: RecordedRequest, res: ServerResponse): Promise<void> {
    const model = typeof field(rec.body, 'model') === 'string' ? (field(rec.body, 'model') as string) : MODEL_FALLBACK;
    const stream = field(rec.body, 'stream') === true;
    rec.scenario = pickScenario(rec.rawBody);
    rec.conversation = conversationOf(rec.headers, rec.body);
    let t: Turn;
    if (!isMainLoop(rec.body)) {
      rec.kind = 'side';
      t = { type: 'text', text: 'OK', usage: { input: 10, output: 1, cacheRead: 0, cacheCreation: 0 } };
    } else {
      rec.kind = 'turn';
      t = nextTurn(rec);
    }
    if (t.stall?.beforeMs) await sleep(t.stall.beforeMs);
    if (t.stall?.hang === 'before') return; // never answer; close() tears the socket down
    if (t.type === 'error') {
      rec.status = t.status;
      if (t.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(t.retryAfterSeconds));
      send(res, t.status, errorBody(t.status, t.errorType, t.message));
      return;
    }
    rec.messageId = id('msg');
    const blocks = t.type === 'tool_use' ? contentBlocks(t.text, t.calls, () => id('toolu')) : t.type === 'text' ? contentBlocks(t.text, [], () => '') : [];
    if (!stream) {
      send(res, 200, messageJson(rec.messageId, model, blocks.length ? blocks : [{ type: 'text', text: 'OK' }], t.usage));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const write = (e: SseEvent): boolean => !res.destroyed && res.write(encodeSse(e));
    write(messageStart(rec.messageId, model, t.usage));
    if (t.stall?.midStreamMs) await sleep(t.stall.midStreamMs);
    if (t.stall?.hang === 'mid') return;
    if (t.type === 'malformed') {
      malformed(t.mode, res, write);
      return;
    }
    blocks.forEach((b, i) => { blockEvents(i, b).forEach(write); });
    messageEnd(blocks, t.usage).forEach(write);
    res.end();
  }

  function malformed(mode: 'garbage' | 'truncated' | 'error_event', res: ServerResponse, write: (e: SseEvent) => boolean): void {
    if (mode === 'garbage') {
      res.end('event: content_block_start\ndata: {not json at all\n\nthis is not SSE\n\n');
    } else if (mode === 'truncated') {
      const [start, delta] = blockEvents(0, { type: 'text', text: 'cut off mid-' });
      if (start) write(start);
      // Drop the connection once the partial message is on the wire, without message_stop.
      res.write(delta ? encodeSse(delta) : '', () => res.destroy());
    } else {
      write({ event: 'error', data: errorBody(529, 'overloaded_error', 'model double: overloaded mid-stream') });
      res.end();
    }
  }

  function pickScenario(rawBody: string): string {
    const marked = findScenarioMarker(rawBody);
    if (marked !== null && scenarios[marked]) return marked;
    return DEFAULT_SCENARIO;
  }

  function nextTurn(rec: RecordedRequest): Turn {
    const name = rec.scenario ?? DEFAULT_SCENARIO;
    const script = scenarios[name];
    const key = script?.cursor === 'shared' ? name : `${name}\u0000${rec.conversation ?? ''}`;
    const i = cursors.get(key) ?? 0;
    cursors.set(key, i + 1);
    const scripted = script?.turns[i];
    if (scripted) {
      rec.turnIndex = i;
      return scripted;
    }
    if (script?.whenExhausted === 'error') return { type: 'error', status: 500, message: `model double: scenario "${name}" has no turn ${i}` };
    return { type: 'text', text: `(scenario "${name}" has no more turns)`, usage: { input: 10, output: 1, cacheRead: 0, cacheCreation: 0 } };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => { resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    turns: (scenario) => requests.filter((r) => r.kind === 'turn' && (scenario === undefined || r.scenario === scenario)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => { resolve(); });
        server.closeAllConnections(); // hung responses would otherwise keep close() waiting
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

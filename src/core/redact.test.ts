import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRedactor, redactLine } from './redact.ts';

// Fake credentials are assembled at run time so secret scanners do not flag this file.
const j = (...parts: string[]): string => parts.join('');
const A36 = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const SAMPLES: [kind: string, secret: string, context: (s: string) => string][] = [
  ['anthropic-key', j('sk-', 'ant-api03-', A36, 'xyz_-Q'), (s) => `export ANTHROPIC_API_KEY=${s}`],
  ['openai-key', j('sk-', 'proj-', A36, 'T1x'), (s) => `OPENAI_API_KEY: ${s}`],
  ['openai-key', j('sk-', A36, 'Zq9'), (s) => `client = OpenAI(api_key=${s})`],
  ['github-token', j('gh', 'p_', A36), (s) => `git remote set-url origin https://${s}@github.com/o/r.git`],
  ['github-token', j('gh', 's_', A36), (s) => `token ${s}`],
  ['github-token', j('gh', 'o_', A36), (s) => `"${s}"`],
  ['github-token', j('github', '_pat_', '11ABCDEFG0', A36), (s) => `GH=${s}`],
  ['gitlab-token', j('gl', 'pat-', 'xY1zA2bC3dE4fG5hI6jK'), (s) => `PRIVATE-TOKEN: ${s}`],
  ['slack-token', j('xo', 'xb-', '1234567890-0987654321-AbCdEfGhIj'), (s) => `slack ${s} end`],
  ['aws-access-key-id', j('AK', 'IA', 'IOSFODNN7EXAMPL1'), (s) => `aws_access_key_id = ${s}`],
  ['aws-access-key-id', j('AS', 'IA', 'Z2XQ7HB4M5KJ9PL3'), (s) => `key=${s}\n`],
  ['aws-secret-key', j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCYEXAMPLEKEY'), (s) => `aws_secret_access_key = ${s}`],
  ['google-api-key', j('AI', 'za', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'), (s) => `?key=${s}&q=1`],
  ['stripe-key', j('sk', '_live_', '51H8aBcDeFgHiJkLmNoPq'), (s) => `Stripe(${s})`],
  ['stripe-key', j('rk', '_live_', '51H8aBcDeFgHiJkLmNoPq'), (s) => `key: ${s}`],
  ['npm-token', j('np', 'm_', A36), (s) => `//registry.npmjs.org/:_authToken=${s}`],
  ['jwt', j('eyJ', 'hbGciOiJIUzI1NiJ9', '.', 'eyJ', 'zdWIiOiIxMjM0NTY3ODkwIn0', '.', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'), (s) => `cookie: session=${s};`],
  ['private-key', j('-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\nabc/def+ghi=\n-----END RSA ', 'PRIVATE KEY-----'), (s) => `key file:\n${s}\n`],
  ['authorization', 'c2VjcmV0LXRva2VuLXZhbHVl', (s) => `curl -H "Authorization: Bearer ${s}" https://api`],
  ['url-credentials', 'pa55w0rd!x', (s) => `DATABASE_URL=postgres://admin:${s}@db.internal:5432/app`],
  ['secret-assignment', 'hunter2hunter2', (s) => `DB_PASSWORD=${s}`],
  ['secret-assignment', 'tok3n-value-123', (s) => `GET /cb?state=1&token=${s}&x=2`],
  ['secret-assignment', 's3cr3t-value', (s) => `{"clientSecret": "${s}"}`],
  ['secret-assignment', 'hunter22', (s) => `db:\n  password: ${s}\n`],
];

describe('createRedactor', () => {
  const r = createRedactor();

  it.each(SAMPLES)('redacts %s', (kind, secret, context) => {
    const out = r.redact(context(secret));
    expect(out).not.toContain(secret);
    expect(out).toContain(`[REDACTED:${kind}]`);
  });

  it('redacts exact values passed in (≥ 8 chars only), wherever they appear', () => {
    const rr = createRedactor({ values: ['plain-secret-value', 'short'] });
    expect(rr.redact('key is plain-secret-value, twice: xplain-secret-valuex')).toBe('key is [REDACTED:value], twice: x[REDACTED:value]x');
    expect(rr.redact('a short word')).toBe('a short word');
    expect(createRedactor({ values: ['a.b*c(d)e+f'] }).redact('x a.b*c(d)e+f y')).toBe('x [REDACTED:value] y');
  });

  it('leaves ordinary code, hashes, UUIDs and ULIDs alone', () => {
    const ordinary = [
      'const token = getToken();\nif (password == null) throw new Error("missing password");',
      'interface Login {\n  password: string;\n  token?: string\n  apiKey: ApiKey\n}',
      'function sk(): void {} // see sk-learn-utils and task-ant-farm-helpers-module',
      'commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main), short 3f78685',
      'session 7c9e6679-7425-40de-944b-e07fc1f90ae7 and ulid 01ARZ3NDEKTSV4RRFFQ69G5FAV',
      'usage: { input_tokens: 1200, max_tokens=4096, outputTokens: 55 }',
      'git@github.com:owner/repo.git https://github.com/owner/repo http://localhost:3000/p?page=2',
      'The Bearer scheme is described in RFC 6750; Authorization headers are set by the client.',
      'password_reset_url = "/reset"; const secretName = process.env.NAME;',
      'const b64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="; AKIAlower is not a key',
    ];
    for (const text of ordinary) expect(r.redact(text)).toBe(text);
  });

  it('redactDeep redacts strings and credential-named fields, keeps everything else', () => {
    const token = j('gh', 'p_', A36);
    const input = {
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-request-id': 'req_1' },
      env: { API_KEY: 'abc', GITHUB_TOKEN: token, HOME: '/root' },
      log: [`pushing with ${token}`, 42, null, { nested: { password: 'x' } }],
      inputTokens: 10,
      maxTokens: '4096',
    };
    const out = r.redactDeep(input);
    expect(out).toEqual({
      headers: { authorization: '[REDACTED:secret-field]', 'x-request-id': 'req_1' },
      env: { API_KEY: '[REDACTED:secret-field]', GITHUB_TOKEN: '[REDACTED:secret-field]', HOME: '/root' },
      log: ['pushing with [REDACTED:github-token]', 42, null, { nested: { password: '[REDACTED:secret-field]' } }],
      inputTokens: 10,
      maxTokens: '4096',
    });
    expect(input.env.GITHUB_TOKEN).toBe(token); // the input is not mutated
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    const c = r.redactDeep(cyclic);
    expect(c.self).toBe(c);
  });

  // Any text with secrets of any kind injected at separators: none survives, and redacting twice
  // changes nothing.
  it('is idempotent and never leaves an injected secret (property)', () => {
    const sep = fc.constantFrom(' ', '\n', '"', "'", ',', '(', ') ', ': ', '\t');
    // After a secret: not `(`, which makes `token=abc(` read as a call in code.
    const after = fc.constantFrom(' ', '\n', ',', ';', '\t');
    const noise = fc.string({ maxLength: 40 });
    const alnum = fc.string({ unit: fc.constantFrom(...Array.from('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789')), minLength: 40, maxLength: 60 });
    const vendor = fc.tuple(fc.constantFrom(...SAMPLES), alnum).map(([[, s, context], body]) => {
      // Vary the random part of prefix-anchored formats while keeping each format valid.
      const m = /^(sk-ant-api03-|sk-proj-|sk-|gh[pso]_|github_pat_|glpat-|xoxb-|sk_live_|rk_live_|npm_)/.exec(s);
      const secret = m === null ? s : m[0] + ('Qa7' + body.repeat(3)).slice(0, s.length - m[0].length);
      return { secret, text: context(secret) };
    });
    const envValue = fc.string({ unit: fc.constantFrom(...Array.from('abcdefXYZ0123456789-_./+')), minLength: 8, maxLength: 30 });
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, sep, vendor, after), { maxLength: 4 }), noise, envValue, sep, (parts, tail, value, s) => {
        const rr = createRedactor({ values: [value] });
        // Each sample on its own line, as context-anchored formats (YAML, headers) need.
        const text = parts.map(([n, a, { text }, b]) => `${n}\n${a}${text}${b}\n`).join('') + s + value + s + tail;
        const once = rr.redact(text);
        expect(rr.redact(once)).toBe(once);
        for (const [, , { secret }] of parts) expect(once).not.toContain(secret);
        expect(once).not.toContain(value);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(r.redact(r.redact(text))).toBe(r.redact(text));
      }),
      { numRuns: 500 },
    );
  });

  it('redactLine: a JSON line stays JSON with its secrets redacted value by value; other lines are redacted as text', () => {
    const r = createRedactor();
    const key = 'sk-ant-api03-' + 'Zx9'.repeat(30) + 'AbC';
    const json = JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', content: `ran with "${key}"\n` }] }, apiKey: 'hunter2-hunter2' });
    const out = redactLine(r, json);
    expect(out).not.toContain(key);
    expect(out).not.toContain('hunter2');
    const parsed = JSON.parse(out) as { message: { content: { content: string }[] } };
    expect(parsed.message.content[0]!.content).toMatch(/^ran with "\[REDACTED:anthropic-key\]"\n$/);
    expect(redactLine(r, `warming up ${key}`)).toBe('warming up [REDACTED:anthropic-key]');
    expect(redactLine(r, `{ not json ${key}`)).toBe('{ not json [REDACTED:anthropic-key]');
  });
});

/**
 * Removes credentials from text before anything is stored (events, logs, checkpoints, briefs).
 * Matches are replaced by `[REDACTED:<kind>]`. Patterns are anchored on vendor prefixes or on key names,
 * so ordinary code, git SHAs, UUIDs and ULIDs pass through unchanged.
 */

export interface Redactor {
  redact(text: string): string;
  /** A copy of plain objects / arrays with every string redacted, and string values under credential-like
   * keys (`password`, `apiKey`, `authorization` …) replaced whole. Other objects are returned as they are. */
  redactDeep<T>(value: T): T;
}

export interface RedactorOptions {
  /** Exact secret values (e.g. the value of ANTHROPIC_API_KEY); values shorter than 8 chars are ignored,
   * since short strings would match ordinary text. */
  values?: readonly string[];
}

const tag = (kind: string): string => `[REDACTED:${kind}]`;
const PLACEHOLDER = /(\[REDACTED:[a-z0-9-]+\])/;

/** Key names that end in a credential word (`DB_PASSWORD`, `githubToken`, `api-key`), not `tokens`/`tokenizer`. */
const KEY = String.raw`[A-Za-z0-9_.-]*?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)`;
const SECRET_FIELD = /(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|authorization|credentials?|cookie)$/i;

/** Mixed case and a digit: real keys have them, kebab-case identifiers like `sk-learn-utils` do not. */
const looksRandom = (s: string): boolean => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);

interface Rule {
  kind: string;
  re: RegExp;
  /** Groups: 1 = text kept before the secret, 2 = the secret (when absent the whole match is the secret). */
  keepPrefix?: boolean;
  accept?: (secret: string) => boolean;
}

// Order matters: specific vendor formats before the generic ones that could also match them.
const RULES: readonly Rule[] = [
  { kind: 'private-key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g },
  { kind: 'anthropic-key', re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, accept: looksRandom },
  { kind: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/g },
  { kind: 'gitlab-token', re: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe-key', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g },
  { kind: 'npm-token', re: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { kind: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'aws-access-key-id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { kind: 'aws-secret-key', re: /(\baws_secret_access_key["']?\s*[:=]\s*["']?)([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi, keepPrefix: true },
  { kind: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'authorization', re: /(\bAuthorization["']?\s*[:=]\s*["']?(?:Bearer|Basic|Token)\s+)([^\s"',;]{8,})/gi, keepPrefix: true },
  { kind: 'bearer-token', re: /(\bBearer\s+)([A-Za-z0-9._~+/-]{20,}=*)/g, keepPrefix: true },
  { kind: 'url-credentials', re: /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]+:)([^\s@/?#]+)(?=@)/gi, keepPrefix: true },
  // `password: "x"`, `"apiKey": "x"`, `TOKEN = 'x'`: quoted values after a credential-like key.
  { kind: 'secret-assignment', re: new RegExp(String.raw`((?:^|[^A-Za-z0-9_])["']?${KEY}["']?\s*[:=]\s*["'])([^"'\s]{4,})(?=["'])`, 'gim'), keepPrefix: true },
  // `PASSWORD=x`, `?token=x&…`, `--secret=x`: unquoted, no spaces around `=`, and not a call like `token=get()`.
  { kind: 'secret-assignment', re: new RegExp(String.raw`((?:^|[^A-Za-z0-9_])${KEY}=)(?![=\s])([^\s"'\`&;,()<>]{4,})(?![(\w])`, 'gim'), keepPrefix: true },
  // YAML style line `password: hunter2`. Values of letters only are skipped: in code they are type annotations
  // (`password: string`, `apiKey: ApiKey`).
  { kind: 'secret-assignment', re: new RegExp(String.raw`(^[ \t-]*${KEY}:[ \t]+)([^\s"'#;,{}[\]]{4,})[ \t]*$`, 'gim'), keepPrefix: true, accept: (s) => /[^A-Za-z]/.test(s) },
];

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function applyRule(text: string, rule: Rule): string {
  return text.replace(rule.re, (match: string, ...groups: unknown[]) => {
    const prefix = rule.keepPrefix === true ? String(groups[0]) : '';
    const secret = rule.keepPrefix === true ? String(groups[1]) : match;
    if (rule.accept !== undefined && !rule.accept(secret)) return match;
    return prefix + tag(rule.kind);
  });
}

/** Applies `fn` to the text between placeholders, so nothing already redacted is matched again. */
function outsidePlaceholders(text: string, fn: (s: string) => string): string {
  const parts = text.split(PLACEHOLDER);
  for (let i = 0; i < parts.length; i += 2) parts[i] = fn(parts[i] ?? '');
  return parts.join('');
}

export function createRedactor(opts: RedactorOptions = {}): Redactor {
  const values = [...new Set(opts.values ?? [])].filter((v) => v.length >= 8).sort((a, b) => b.length - a.length);
  const valueRe = values.length === 0 ? null : new RegExp(values.map(escapeRe).join('|'), 'g');

  const once = (text: string): string => {
    // Exact values first, so a pattern cannot consume part of one and leave the rest behind.
    let out = valueRe === null ? text : outsidePlaceholders(text, (s) => s.replace(valueRe, tag('value')));
    for (const rule of RULES) out = outsidePlaceholders(out, (s) => applyRule(s, rule));
    return out;
  };

  const redact = (text: string): string => {
    // Repeat to a fixed point: removing one secret can expose a boundary another pattern needs, and
    // redact(redact(x)) must equal redact(x).
    let prev = text;
    for (let i = 0; i < 5; i++) {
      const next = once(prev);
      if (next === prev) return next;
      prev = next;
    }
    return prev;
  };

  const deep = (v: unknown, seen: WeakMap<object, unknown>): unknown => {
    if (typeof v === 'string') return redact(v);
    if (typeof v !== 'object' || v === null) return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const x of v) out.push(deep(x, seen));
      return out;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(v)) {
      out[k] = typeof x === 'string' && x !== '' && SECRET_FIELD.test(k) && !x.startsWith('[REDACTED:') ? tag('secret-field') : deep(x, seen);
    }
    return out;
  };

  return { redact, redactDeep: <T>(value: T): T => deep(value, new WeakMap()) as T };
}

/**
 * One line of an agent's output as it may be stored: a JSON line (Claude Code's stream-json) is
 * parsed and redacted value by value, so it stays valid JSON; anything else is redacted as text.
 */
export function redactLine(redactor: Redactor, line: string): string {
  if (line.trimStart().startsWith('{')) {
    try {
      return JSON.stringify(redactor.redactDeep(JSON.parse(line) as unknown));
    } catch {
      // not JSON after all: plain text below
    }
  }
  return redactor.redact(line);
}

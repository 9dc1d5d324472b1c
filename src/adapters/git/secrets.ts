/** Files that usually hold secrets: left out of every snapshot so `orch sync` never pushes them. */
export const DEFAULT_SECRET_PATTERNS = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.npmrc',
  '.netrc',
  '.pypirc',
] as const;

/** Pathspecs matching a basename pattern at any depth. */
export const secretPathspecs = (patterns: readonly string[]): string[] => patterns.map((p) => `:(glob)**/${p}`);

/** A matcher for basename globs (`*` and `?` only), the same set as the pathspecs above. */
export function secretMatcher(patterns: readonly string[]): (file: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (file) => {
    const base = file.slice(file.lastIndexOf('/') + 1);
    return res.some((r) => r.test(base));
  };
}

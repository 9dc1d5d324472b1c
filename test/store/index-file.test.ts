import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIndexPaths } from '../../src/adapters/git/index-file.ts';
import { conflictingBranches, g, gitRepo, tempDir, write } from '../support/repo.ts';

const lsFiles = (dir: string): string[] => [...new Set(g(dir, 'ls-files', '-z', '-c').split('\0').filter(Boolean))];
const index = (dir: string): string => path.join(dir, '.git', 'index');

// Names that share long prefixes (version 4 compresses them), odd characters, nested directories.
const FILES: Record<string, string> = {
  'README.md': 'r\n',
  'src/a.ts': 'a\n',
  'src/a.test.ts': 't\n',
  'src/deep/er/config/.env': 'SECRET=1\n',
  'src/deep/er/config/.env.local': 'SECRET=2\n',
  'src/deep/ünïcode name.txt': 'u\n',
  'z.pem': 'p\n',
};

describe('readIndexPaths (the paths git ls-files -c lists, read from the index file)', () => {
  it('agrees with git ls-files for index versions 2, 3 (intent-to-add, extended flags) and 4 (prefix-compressed names)', () => {
    const dir = gitRepo(FILES);
    expect(readIndexPaths(index(dir), 'sha1')).toEqual(lsFiles(dir));
    write(dir, { 'src/later.ts': 'x\n' });
    g(dir, 'add', '-N', 'src/later.ts'); // intent-to-add: an extended flag, so the index is written as version 3
    expect(g(dir, 'ls-files', '--debug', 'src/later.ts')).toContain('flags: 20004000');
    expect(readIndexPaths(index(dir), 'sha1')).toEqual(lsFiles(dir));
    g(dir, 'update-index', '--index-version', '4');
    expect(readIndexPaths(index(dir), 'sha1')).toEqual(lsFiles(dir));
    expect(lsFiles(dir)).toContain('src/later.ts');
  });

  it('lists an unmerged path once (git keeps one entry per stage)', () => {
    const dir = gitRepo({ 'f.txt': 'base\n', 'g.txt': 'g\n' });
    conflictingBranches(dir, 'f.txt', 'other');
    expect(() => g(dir, 'merge', '-q', 'other')).toThrow();
    expect(g(dir, 'ls-files', '-s').split('\n').filter((l) => l.endsWith('\tf.txt'))).toHaveLength(3);
    expect(readIndexPaths(index(dir), 'sha1')).toEqual(['f.txt', 'g.txt']);
  });

  it('reads a sha256 repository', () => {
    const dir = tempDir();
    g(dir, 'init', '-q', '--object-format=sha256', '-b', 'main');
    write(dir, FILES);
    g(dir, 'add', '-A');
    expect(readIndexPaths(index(dir), 'sha256')).toEqual(lsFiles(dir));
  });

  it('answers null when the file does not hold every path (split index, sparse index) or is damaged; [] when there is none', () => {
    const split = gitRepo(FILES);
    g(split, 'update-index', '--split-index');
    expect(readIndexPaths(index(split), 'sha1')).toBeNull();

    const sparse = gitRepo(FILES);
    g(sparse, 'sparse-checkout', 'set', '--cone', '--sparse-index', 'src/deep');
    g(sparse, 'sparse-checkout', 'set', '--cone', '--sparse-index', 'other');
    expect(readIndexPaths(index(sparse), 'sha1')).toBeNull();

    const damaged = gitRepo(FILES);
    writeFileSync(index(damaged), readFileSync(index(damaged)).subarray(0, 100));
    expect(readIndexPaths(index(damaged), 'sha1')).toBeNull();

    expect(readIndexPaths(path.join(tempDir(), 'index'), 'sha1')).toEqual([]);
  });
});

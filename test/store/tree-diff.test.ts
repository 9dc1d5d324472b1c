import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepo } from '../../src/adapters/git/repo.ts';
import { changedPaths } from '../../src/adapters/git/tree-diff.ts';
import { gitRepo } from '../support/repo.ts';

const git = (dir: string, ...a: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir, encoding: 'utf8' });
const commitAll = (dir: string): string => {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'c');
  return git(dir, 'rev-parse', 'HEAD').trim();
};

// The merge queue lists what a merge changed from the object reader; it must say what git says.
describe('changedPaths', () => {
  it('agrees with git diff --name-only --no-renames through edits, adds, deletes, moves, modes, file <-> directory', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n', 'src/x.ts': 'x\n', 'src/deep/y.ts': 'y\n', 'keep/k.txt': 'k\n', 'swap': 'file\n' });
    const repo = await openRepo(dir);
    const commits = [git(dir, 'rev-parse', 'HEAD').trim()];
    const steps: (() => void)[] = [
      () => writeFileSync(path.join(dir, 'a.txt'), 'a2\n'),
      () => {
        mkdirSync(path.join(dir, 'new/dir'), { recursive: true });
        writeFileSync(path.join(dir, 'new/dir/n é.txt'), 'n\n');
        rmSync(path.join(dir, 'src/deep'), { recursive: true });
      },
      () => {
        git(dir, 'mv', 'src/x.ts', 'moved.ts');
        chmodSync(path.join(dir, 'a.txt'), 0o755);
        symlinkSync('a.txt', path.join(dir, 'link'));
      },
      () => {
        rmSync(path.join(dir, 'swap'));
        mkdirSync(path.join(dir, 'swap'));
        writeFileSync(path.join(dir, 'swap/inside.txt'), 'i\n');
      },
      () => undefined, // nothing changed
    ];
    for (const step of steps) {
      step();
      commits.push(commitAll(dir));
    }
    for (let i = 0; i < commits.length; i++) {
      for (let j = 0; j < commits.length; j++) {
        const want = git(dir, 'diff', '--name-only', '--no-renames', '-z', commits[i]!, commits[j]!).split('\0').filter(Boolean).sort();
        expect(await changedPaths(repo, commits[i]!, commits[j]!), `${i} → ${j}`).toEqual(want);
      }
    }
  });
});

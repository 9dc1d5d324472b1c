import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orchAsync } from '../support/cli.ts';
import { tempDir } from '../support/repo.ts';

describe('orch demo', () => {
  it('runs end to end with no API key: a killed session, a resumed one, the 80 % warning, costs equal to Claude Code’s', async () => {
    const r = await orchAsync(tempDir(), ['demo'], { PATH: process.env.PATH, HOME: tempDir() }, { timeoutMs: 180_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/kill -9/);
    expect(r.stdout).toMatch(/marked interrupted, \$0\.0453 recovered from the agent's transcript/);
    expect(r.stdout).toMatch(/warning: epic demo has used 8\d % of its \$0\.14 budget/);
    expect(r.stdout).toMatch(/^2 +completed +\$0\.07 +\$0\.07 +equal$/m);
    expect(r.stdout).not.toMatch(/DIFFERENT/);
    const dir = /look around: cd (\S+)/.exec(r.stdout)?.[1];
    expect(dir && existsSync(path.join(dir, 'src', 'slugify.js')) && existsSync(path.join(dir, 'test', 'slugify.test.js'))).toBe(true);
  });
});

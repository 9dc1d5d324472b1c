#!/usr/bin/env node
// Prepares issue worktrees through the built library, as a pooled convoy worker does.
// usage: worktree-preparer.mjs <repo> <convoy id> <integration branch> <base> <issue…>
import { ensureIssueWorktree } from '../../dist/adapters/convoy/worktrees.js';
import { openRepo } from '../../dist/adapters/git/repo.js';

const [dir, id, integrationBranch, base, ...issues] = process.argv.slice(2);
const repo = await openRepo(dir);
for (const issue of issues) process.stdout.write(`${await ensureIssueWorktree(repo, { id, integrationBranch, base }, issue)}\n`);

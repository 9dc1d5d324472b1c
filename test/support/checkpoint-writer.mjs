#!/usr/bin/env node
// Writes checkpoints through the built library and prints `ok <id>` after each one is stored.
// usage: checkpoint-writer.mjs <repo> <epic> <count> new|append
import { openGitDeps, startSessionWith, writeCheckpoint } from '../../dist/index.js';

const [repo, epic, countRaw, mode] = process.argv.slice(2);
const count = Number(countRaw);
const { deps, store } = await openGitDeps(repo);

let session;
let context;
if (mode === 'new') {
  const r = await startSessionWith(deps, { epicId: epic, resume: false, concurrent: true });
  session = r.session;
  context = r.context;
  process.stdout.write(`ok ${session.lastCheckpointId}\n`);
} else {
  // Continue the newest session's chain (the previous writer was killed).
  const tips = await store.listSessions(epic);
  const tip = tips.at(-1);
  const c = await store.latestInSession(epic, tip.sessionId);
  session = { id: c.sessionId, epicId: epic, number: c.sessionNumber, status: c.status, parentSessionId: null, startedAt: c.createdAt, lastCheckpointId: c.id };
  context = c.context;
}
process.stdout.write('ready\n');
for (let i = 0; i < count; i++) {
  const c = await writeCheckpoint(deps, session, context, { trigger: 'manual', reason: `write ${i} $(x) "q"`, snapshot: mode !== 'append' || i % 4 === 0 });
  process.stdout.write(`ok ${c.id}\n`);
}

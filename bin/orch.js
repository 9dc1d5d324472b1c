#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled to dist/ by `npm install` (prepare) and `npm test`.
import { main } from '../dist/cli-bundle/main.js';

// A reader that goes away (`orch … | head`) must not crash a run half-way: stop printing, keep working.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));

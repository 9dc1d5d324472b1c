// Bundles the compiled CLI (dist/cli/main.js) into dist/cli-bundle/: one file per lazily loaded
// command instead of ~250 modules. Every `orch` process pays module loading, and hooks run on
// every tool call: start-up fell from ~470 ms to ~150 ms per call (docs/benchmarks.md, hooks).
// The library (dist/index.js) stays unbundled.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/cli-bundle', { recursive: true, force: true }); // chunk names change with their content

await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true, // keep each command's dynamic import() a separate, lazily loaded chunk
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // BullMQ loads its Lua scripts from files next to its own modules; ioredis comes with it.
  // genai-prices is required on the first price asked (its catalogue is big), from node_modules.
  external: ['bullmq', 'ioredis', '@pydantic/genai-prices'],
  // Bundled CommonJS packages call require() for Node built-ins: give the ESM bundle one.
  banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

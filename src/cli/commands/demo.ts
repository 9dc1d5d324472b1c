import { runDemo } from '../demo/run-demo.ts';

/** `orch demo`: the main job end to end with no API key (the model double + the pinned Claude Code). */
export async function run(): Promise<number> {
  return runDemo((line) => process.stdout.write(`${line}\n`));
}

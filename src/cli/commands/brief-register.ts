import type { Command } from 'commander';
import { leaf } from '../leaf.ts';

/** `orch brief` and `orch note`. */
export function registerBriefAndNote(program: Command): void {
  leaf(program, 'brief', 'print the resume brief of an epic (markdown from recorded facts; issues from the tracker: section of .orch/config.yaml)', () => import('./brief.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .option('--max-bytes <n>', 'size cap of the brief in bytes (default 8192)');
  leaf(program, 'note [text...]', "record a note the next sessions' briefs carry", () => import('./note.ts'))
    .requiredOption('--epic <id>', 'epic id')
    .requiredOption('--kind <kind>', 'tried | blocker | decision | note');
}

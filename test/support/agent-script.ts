import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A shell "agent" for convoy tests: reads the prompt, finds its issue id, runs the issue's case
 * (default: write `<id>.txt`), says ORCH_DONE. With `log`, each run appends `start|end <id> <pid>
 * <ms>` lines, so tests can check who worked on what, when.
 */
export function agentScript(dir: string, perIssue: Record<string, string> = {}, o: { log?: string } = {}): string {
  const file = path.join(dir, 'agent.sh');
  const cases = Object.entries(perIssue).map(([id, sh]) => `  ${id}) ${sh} ;;`).join('\n');
  const log = o.log ? (what: string): string => `echo "${what} $id $$ $(date +%s%3N)" >> ${o.log}` : (): string => ':';
  writeFileSync(
    file,
    `#!/bin/sh
prompt=$(cat)
id=$(printf '%s' "$prompt" | grep -o 'Work on issue [^ ]*' | head -1 | cut -d' ' -f4)
integ=$(printf '%s' "$prompt" | grep -o 'git merge [^ ]*integration' | head -1 | cut -d' ' -f3)
sentback=$(printf '%s' "$prompt" | grep -c 'Sent back earlier')
${log('start')}
case "$id" in
${cases}
  *) echo "$id" > "$id.txt" ;;
esac
${log('end')}
echo "worked on $id"
echo ORCH_DONE
`,
  );
  return `sh ${file}`;
}

export interface AgentRun {
  id: string;
  pid: number;
  start: number;
  end: number | null;
}

/** The runs an agent log records, start to end (end null: it never finished). */
export function agentRuns(text: string): AgentRun[] {
  const runs: AgentRun[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const [what, id = '', pid = '0', at = '0'] = line.split(' ');
    if (what === 'start') runs.push({ id, pid: Number(pid), start: Number(at), end: null });
    else {
      const r = runs.find((x) => x.pid === Number(pid) && x.id === id && x.end === null);
      if (r) r.end = Number(at);
    }
  }
  return runs;
}

import { output, type CommonOptions } from '../../io.ts';
import { convoyView, renderConvoy } from './common.ts';

/** A live view: the convoy's table, redrawn every second until it finishes (Ctrl-C leaves it running). */
export async function run(o: CommonOptions & { epic?: string; once?: boolean }, [id = '']: string[]): Promise<number> {
  for (;;) {
    const v = await convoyView(o, id, o.epic);
    const finished = v.convoy.cancelled || v.issues.every((i) => i.status === 'done' || i.status === 'failed');
    if (o.json || o.once || finished || !process.stdout.isTTY) {
      output(o, v, (d) => renderConvoy(d.convoy, d.issues, d.spent));
      if (o.json || o.once || finished || !process.stdout.isTTY) return 0;
    }
    process.stdout.write(`\x1b[2J\x1b[H${renderConvoy(v.convoy, v.issues, v.spent)}\n`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

import { output, type CommonOptions } from '../../io.ts';
import { convoyView, renderConvoy } from './common.ts';

export async function run(o: CommonOptions & { epic?: string }, [id = '']: string[]): Promise<number> {
  const v = await convoyView(o, id, o.epic);
  output(o, v, (d) => renderConvoy(d.convoy, d.issues, d.spent));
  return 0;
}

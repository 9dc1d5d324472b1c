import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { spawnGit } from './git.ts';

interface Pending {
  left: number;
  out: (Buffer | null)[];
  resolve: (v: (Buffer | null)[]) => void;
  reject: (e: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` per repository: orch reads its journal and checkpoint
 * blobs many times per command (a convoy dispatcher: after every worker's exit), and a git
 * process per read was most of a convoy's cost per issue. Requests are answered in the order
 * they were written. The process holds no lock and no state git relies on; it never keeps Node
 * alive while idle, and it ends when our stdin closes (this process exits).
 */
export class CatFileBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private dead: Error | null = null;

  constructor(cwd: string, onDead: () => void) {
    this.child = spawnGit(cwd, ['cat-file', '--batch']);
    const fail = (e: Error): void => {
      if (this.dead) return;
      this.dead = e;
      onDead();
      for (const p of this.queue.splice(0)) p.reject(e);
    };
    this.child.on('error', fail);
    // 'close', not 'exit': answers still in the pipe are read before pending requests fail.
    this.child.on('close', (code, signal) => fail(new Error(`git cat-file --batch ended (${signal ?? `exit ${code}`})`)));
    this.child.stdin.on('error', fail);
    this.child.stderr.resume();
    this.child.stdout.on('data', (b: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
      this.drain();
    });
    this.idle();
  }

  /** End the reader once the requests already sent are answered (git exits at the end of its input). */
  close(): void {
    this.child.stdin.end();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  read(specs: readonly string[]): Promise<(Buffer | null)[]> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.queue.push({ left: specs.length, out: [], resolve, reject });
      this.busy();
      this.child.stdin.write(specs.join('\n') + '\n');
    });
  }

  /** Parse as many whole answers as have arrived: "<oid> <type> <size>\n<body>\n" or "<spec> missing\n". */
  private drain(): void {
    let pos = 0;
    for (;;) {
      const head = this.queue[0];
      if (!head) break;
      const nl = this.buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const header = this.buf.subarray(pos, nl).toString('utf8');
      let value: Buffer | null = null;
      let next = nl + 1;
      if (!header.endsWith(' missing') && !header.endsWith(' ambiguous')) {
        const size = Number(header.split(' ')[2]);
        if (this.buf.length < next + size + 1) break; // the body is still coming
        value = Buffer.from(this.buf.subarray(next, next + size));
        next += size + 1;
      }
      pos = next;
      head.out.push(value);
      if (--head.left === 0) {
        this.queue.shift();
        head.resolve(head.out);
      }
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
    if (this.queue.length === 0) this.idle();
  }

  /** Pipes are sockets: while a request is out they keep Node running, idle they do not. */
  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as Pick<Socket, 'ref'>).ref();
  }

  private idle(): void {
    this.child.unref();
    for (const s of [this.child.stdout, this.child.stdin, this.child.stderr]) (s as unknown as Pick<Socket, 'unref'>).unref();
  }
}

const batches = new Map<string, CatFileBatch>();
/** A long-lived `orch worker` meets many repositories: the least recently used readers beyond this end. */
const MAX_READERS = 4;

/**
 * The batch reader of the repository whose shared git dir is `commonDir` (all its worktrees share
 * one: orch asks for objects by id), started on first use and again after it died.
 */
export function catFileBatch(commonDir: string): CatFileBatch {
  let b = batches.get(commonDir);
  if (b) batches.delete(commonDir); // re-inserted below: the map's order is the use order
  else {
    const fresh: CatFileBatch = new CatFileBatch(commonDir, () => {
      if (batches.get(commonDir) === fresh) batches.delete(commonDir);
    });
    b = fresh;
  }
  batches.set(commonDir, b);
  for (const [dir, old] of batches) {
    if (batches.size <= MAX_READERS) break;
    batches.delete(dir);
    old.close();
  }
  return b;
}

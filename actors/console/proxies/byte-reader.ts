/**
 * Exact-length reads over a stream of chunks (websocket messages or TCP data), for the handshakes a
 * proxy speaks before it starts piping: `read(n)` resolves with exactly n bytes once they arrived,
 * and rejects when the stream ends first.
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.pump();
  }

  end(err: Error): void {
    this.ended ??= err;
    const w = this.waiter;
    if (w && this.size < w.n) {
      this.waiter = undefined;
      w.reject(err);
    }
  }

  read(n: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.pump();
      if (this.waiter && this.ended) {
        this.waiter = undefined;
        reject(this.ended);
      }
    });
  }

  /** Whatever arrived beyond the handshake, handed on when piping starts. */
  drain(): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return all;
  }

  private pump(): void {
    const w = this.waiter;
    if (!w || this.size < w.n) return;
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > w.n ? [all.subarray(w.n)] : [];
    this.size = all.length - w.n;
    this.waiter = undefined;
    w.resolve(all.subarray(0, w.n));
  }
}

/** One side of a handshake: exact reads and writes. */
export interface ByteChannel {
  read(n: number): Promise<Buffer>;
  write(b: Buffer): void;
}

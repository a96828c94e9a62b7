/** `cinderkv/ioredis` for Node.js: scan streams are `stream.Readable`s, as ioredis's. */
import { Readable } from 'node:stream';
import '../node.js';
import { Redis, setScanStreamFactory } from './redis.js';

/** ioredis's ScanStream: an object-mode Readable pushing each SCAN batch. */
class ScanStream extends Readable {
  private cursor = '0';
  private drained = false;

  constructor(private readonly fetch: (cursor: string) => Promise<[string, any[]]>) {
    super({ objectMode: true });
  }

  override _read(): void {
    if (this.drained) {
      this.push(null);
      return;
    }
    this.fetch(this.cursor).then(
      ([next, items]) => {
        this.cursor = String(next);
        if (this.cursor === '0') this.drained = true;
        this.push(items);
      },
      (err) => this.emit('error', err),
    );
  }

  /** Ends the stream early (ioredis's `close`). */
  close(): void {
    this.drained = true;
  }
}

setScanStreamFactory((fetch) => new ScanStream(fetch));

export * from './redis.js';
export default Redis;

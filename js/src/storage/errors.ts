/** Errors of snapshots and storage. */
import { CinderError } from '../errors.js';

/**
 * `db.load()` / `Cinder.create({ rdb })` / `Cinder.open()` refused an RDB file or a log:
 * the message is Redis's (`Short read or OOM loading DB. Unrecoverable error, aborting
 * now.`, `Wrong RDB checksum ...`, `Can't handle RDB format version ...`). The instance
 * it was loaded into is unchanged.
 */
export class RdbError extends CinderError {
  constructor(message: string) {
    super(message);
    this.name = 'RdbError';
  }
}

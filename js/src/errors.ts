/** Errors thrown by cinderkv. */

/**
 * An error reply from the engine, with Redis's exact message (`ERR ...`, `WRONGTYPE ...`).
 * Thrown by `call` and the typed methods; inside arrays (a transaction's results) it is
 * returned as a value instead.
 */
export class ReplyError extends Error {
  /** The error code: the message's first word (`ERR`, `WRONGTYPE`, `NOAUTH`, ...). */
  readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
    const space = message.indexOf(' ');
    this.code = space < 0 ? message : message.slice(0, space);
  }
}

/**
 * A problem outside Redis semantics: a bad argument type, a closed connection or
 * instance, an invalid option, or an engine panic (after which the instance refuses calls).
 */
export class CinderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CinderError';
  }
}

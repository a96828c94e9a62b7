/**
 * A small EventEmitter with Node's API (`on`, `once`, `off`, `emit`, `listenerCount`, ...),
 * so the ioredis facade runs where `node:events` does not exist (browsers, workerd).
 * Like Node's, emitting `'error'` with no listener throws the error.
 */
type Listener = (...args: any[]) => void;

/** Node's EventEmitter surface, without the dependency. */
export class Emitter {
  private _events = new Map<string | symbol, Listener[]>();
  private _max = 10;

  /** Adds a listener. */
  on(event: string | symbol, listener: Listener): this {
    const list = this._events.get(event);
    if (list) list.push(listener);
    else this._events.set(event, [listener]);
    return this;
  }

  /** Same as `on`. */
  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  /** Adds a listener that runs first. */
  prependListener(event: string | symbol, listener: Listener): this {
    const list = this._events.get(event);
    if (list) list.unshift(listener);
    else this._events.set(event, [listener]);
    return this;
  }

  /** Adds a listener called once. */
  once(event: string | symbol, listener: Listener): this {
    const wrapped: Listener & { listener?: Listener } = (...args: any[]) => {
      this.off(event, wrapped);
      listener.apply(this, args);
    };
    wrapped.listener = listener;
    return this.on(event, wrapped);
  }

  /** Removes a listener (the last one added, like Node). */
  off(event: string | symbol, listener: Listener): this {
    const list = this._events.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      const l = list[i] as Listener & { listener?: Listener };
      if (l === listener || l.listener === listener) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this._events.delete(event);
    return this;
  }

  /** Same as `off`. */
  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this._events.clear();
    else this._events.delete(event);
    return this;
  }

  /** Calls the listeners of `event`; true when there were some. */
  emit(event: string | symbol, ...args: any[]): boolean {
    const list = this._events.get(event);
    if (!list || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error: ${String(args[0])}`);
      return false;
    }
    for (const l of [...list]) l.apply(this, args);
    return true;
  }

  /** The listeners of `event`. */
  listeners(event: string | symbol): Listener[] {
    return (this._events.get(event) ?? []).map((l: Listener & { listener?: Listener }) => l.listener ?? l);
  }

  /** The listeners of `event`, with the `once` wrappers. */
  rawListeners(event: string | symbol): Listener[] {
    return [...(this._events.get(event) ?? [])];
  }

  /** How many listeners `event` has. */
  listenerCount(event: string | symbol): number {
    return this._events.get(event)?.length ?? 0;
  }

  /** The events with listeners. */
  eventNames(): (string | symbol)[] {
    return [...this._events.keys()];
  }

  /** Kept for compatibility (no leak warnings here). */
  setMaxListeners(n: number): this {
    this._max = n;
    return this;
  }

  /** What `setMaxListeners` set. */
  getMaxListeners(): number {
    return this._max;
  }
}

// A fixed number of reusable buffers shared by every upload of a run. Holding a buffer is the right to have
// one request with a body in flight, so the pool bounds both memory (slots x chunk size) and concurrency.

export class BufferPool {
  readonly slots: number;
  readonly #free: Buffer[] = [];
  readonly #waiting: (() => void)[] = [];
  #inUse = 0;

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new Error(`buffer pool needs at least one slot, got ${slots}`);
    this.slots = slots;
  }

  /** A buffer of at least `size` bytes; waits while every slot is taken. Release it with release(). */
  async acquire(size: number, signal?: AbortSignal): Promise<Buffer> {
    while (this.#inUse >= this.slots) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = this.#waiting.indexOf(wake);
          if (i !== -1) this.#waiting.splice(i, 1);
          reject(signal?.reason);
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        this.#waiting.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    signal?.throwIfAborted();
    this.#inUse++;
    const i = this.#free.findIndex((b) => b.length >= size);
    if (i !== -1) return this.#free.splice(i, 1)[0] as Buffer;
    // A free buffer that is too small is dropped, so the pool never holds more than `slots` buffers.
    this.#free.pop();
    // Off the shared slab: these are large and long-lived.
    return Buffer.allocUnsafeSlow(size);
  }

  release(buffer: Buffer): void {
    this.#inUse--;
    if (this.#free.length + this.#inUse < this.slots) this.#free.push(buffer);
    this.#waiting.shift()?.();
  }
}

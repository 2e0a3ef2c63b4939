/**
 * Timeouts of one duration behind a single timer. Expiries created with the same duration
 * come due in the order they were created, so they wait in a FIFO list; one Node timer is
 * armed for the oldest, and when it fires it expires every entry that is due and re-arms
 * for the next. Adding and cancelling are O(1) and create no timer: a kernel that runs one
 * submit after another (each with its 30 s deadline) no longer creates and clears a Node
 * timer per submit — the timer fires at most once per duration and is re-armed then.
 *
 * The timer keeps the process alive exactly while some expiry of its queue is pending (it
 * is unref'd when the queue empties), as one timer per deadline did.
 */

/** A pending expiry; {@link Expiry.cancel} is idempotent. */
export interface Expiry {
  cancel(): void;
}

/** Late-fire tolerance: Node's timers run on the loop's millisecond clock, which may trail `performance.now()`. */
const SLACK_MS = 1;

class Entry implements Expiry {
  prev: Entry | undefined;
  next: Entry | undefined;
  /** Linked in its queue (false once cancelled or fired). */
  linked = true;

  constructor(
    readonly queue: ExpiryQueue,
    /** `performance.now()` at which it is due. */
    readonly at: number,
    readonly fire: () => void,
  ) {}

  cancel(): void {
    if (this.linked) this.queue.unlink(this);
  }
}

class ExpiryQueue {
  private head: Entry | undefined;
  private tail: Entry | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  add(fire: () => void): Entry {
    const entry = new Entry(this, performance.now() + this.ms, fire);
    const tail = this.tail;
    entry.prev = tail;
    if (tail === undefined) {
      this.head = entry;
      if (this.timer === undefined) this.arm(entry.at);
      else this.timer.ref();
    } else {
      tail.next = entry;
    }
    this.tail = entry;
    return entry;
  }

  unlink(entry: Entry): void {
    entry.linked = false;
    const { prev, next } = entry;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    // Armed for an entry that is gone: it fires later and re-arms; meanwhile it holds nothing open.
    if (this.head === undefined) this.timer?.unref();
  }

  private arm(at: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - performance.now()));
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now() + SLACK_MS;
    let entry = this.head;
    try {
      while (entry !== undefined && entry.at <= now) {
        this.unlink(entry);
        entry.fire();
        entry = this.head;
      }
    } finally {
      if (this.head !== undefined) this.arm(this.head.at);
      else if (queues.get(this.ms) === this) queues.delete(this.ms);
    }
  }
}

const queues = new Map<number, ExpiryQueue>();

/**
 * Calls `fire` once `ms` milliseconds from now, unless cancelled first.
 * @param ms a finite, non-negative duration.
 */
export function expireAfter(ms: number, fire: () => void): Expiry {
  let queue = queues.get(ms);
  if (queue === undefined) {
    queue = new ExpiryQueue(ms);
    queues.set(ms, queue);
  }
  return queue.add(fire);
}

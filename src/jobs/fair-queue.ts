import { TranslateError } from '../errors.js';

interface Waiter {
  group: string;
  member: string | undefined;
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  onPosition?: ((position: number) => void) | undefined;
  lastPosition?: number;
}

/**
 * A global cap on concurrent model calls with fair queueing between servers/workspaces: when the cap is reached,
 * waiting jobs are served round-robin by group (one server's burst cannot starve the others), FIFO within a group.
 * A member (a user) runs at most `perMember` calls at once: the rest of their burst waits its turn in the line, so one
 * person catching up on a channel never takes every slot. A waiter is told its place in the line whenever it changes,
 * so its reply can show it.
 */
export class FairQueue {
  private running = 0;
  private readonly byMember = new Map<string, number>();
  private readonly groups = new Map<string, Waiter[]>();
  /** Round-robin order of groups with waiters. */
  private order: string[] = [];

  constructor(readonly limit: number, readonly perMember = Infinity) {
    if (!(limit >= 1) || !(perMember >= 1)) throw new Error('FairQueue: limits must be at least 1');
  }

  get depth(): number {
    let n = 0;
    for (const q of this.groups.values()) n += q.length;
    return n;
  }

  get active(): number {
    return this.running;
  }

  /** Resolves with a release function when this job may call the model; rejects with CANCELLED if `signal` aborts. */
  acquire(group: string, signal?: AbortSignal, onPosition?: (position: number) => void, member?: string): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new TranslateError('CANCELLED'));
    if (this.running < this.limit && this.depth === 0 && this.memberFree(member)) {
      return Promise.resolve(this.take(member));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { group, member, resolve, reject, onPosition };
      const queue = this.groups.get(group) ?? [];
      if (queue.length === 0) this.order.push(group);
      queue.push(waiter);
      this.groups.set(group, queue);
      signal?.addEventListener('abort', () => {
        const q = this.groups.get(group);
        const i = q?.indexOf(waiter) ?? -1;
        if (q && i >= 0) {
          q.splice(i, 1);
          if (q.length === 0) this.dropGroup(group);
          reject(new TranslateError('CANCELLED'));
          this.announce();
        }
      }, { once: true });
      // a waiter whose member is free may go at once even when others wait (their members are at their cap)
      this.next();
    });
  }

  private memberFree(member: string | undefined): boolean {
    return member === undefined || (this.byMember.get(member) ?? 0) < this.perMember;
  }

  /** Counts one running call (of `member`) and returns its release function. */
  private take(member: string | undefined): () => void {
    this.running++;
    if (member !== undefined) this.byMember.set(member, (this.byMember.get(member) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      if (member !== undefined) {
        const n = (this.byMember.get(member) ?? 1) - 1;
        if (n > 0) this.byMember.set(member, n);
        else this.byMember.delete(member);
      }
      this.next();
    };
  }

  /** Serves waiters round-robin by group; within a group the first whose member is below its cap. */
  private next(): void {
    let skipped = 0;
    while (this.running < this.limit && this.order.length > 0 && skipped < this.order.length) {
      const group = this.order.shift()!;
      const queue = this.groups.get(group)!;
      const i = queue.findIndex((w) => this.memberFree(w.member));
      if (i < 0) {
        this.order.push(group);
        skipped++;
        continue;
      }
      skipped = 0;
      const [waiter] = queue.splice(i, 1);
      if (queue.length > 0) this.order.push(group);
      else this.groups.delete(group);
      waiter!.resolve(this.take(waiter!.member));
    }
    this.announce();
  }

  private dropGroup(group: string): void {
    this.groups.delete(group);
    this.order = this.order.filter((g) => g !== group);
  }

  /** The order waiters will be served in, if nothing else arrives: round-robin over groups. */
  private lineup(): Waiter[] {
    const copies = this.order.map((g) => [...(this.groups.get(g) ?? [])]);
    const line: Waiter[] = [];
    for (let round = 0; copies.some((q) => q.length > round); round++) {
      for (const q of copies) if (q[round]) line.push(q[round]!);
    }
    return line;
  }

  private announce(): void {
    this.lineup().forEach((w, i) => {
      if (w.lastPosition !== i + 1) {
        w.lastPosition = i + 1;
        w.onPosition?.(i + 1);
      }
    });
  }
}

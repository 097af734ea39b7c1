import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the CPU priority of the calling thread only (Linux: `setpriority` on a thread id affects that thread), for
 * the threads that do background work (Opus encoding): when the cores are busy, the kernel gives the main thread,
 * whose event loop answers Discord within 3 s and streams every reply, the CPU first; idle cores are still used in
 * full. Best effort: elsewhere, or without /proc, nothing changes. Returns whether the priority was lowered.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (nice <= 0 || process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

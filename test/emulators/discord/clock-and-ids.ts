// The emulator's clock (shiftable for expiry tests), Discord snowflakes and interaction tokens.

import { randomBytes } from 'node:crypto';

export const DISCORD_EPOCH = 1_420_070_400_000n;

export class Clock {
  private offset = 0;
  constructor(private readonly base: () => number = Date.now) {}
  now(): number {
    return this.base() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
  iso(ms = this.now()): string {
    return new Date(ms).toISOString().replace('Z', '+00:00');
  }
}

/** Snowflakes like Discord's: ms since 2015 << 22, worker 1, a rolling increment (19 digits today). */
export class Snowflakes {
  private increment = 0;
  constructor(private readonly clock: Clock) {}
  /** `accept`: a snowflake a millisecond or a few earlier is taken until one passes (e.g. to land on a shard). */
  next(accept: (id: string) => boolean = () => true): string {
    const now = BigInt(Math.floor(this.clock.now()));
    this.increment = (this.increment + 1) & 0xfff;
    for (let back = 0n; ; back++) {
      const id = (((now - back - DISCORD_EPOCH) << 22n) | (1n << 17n) | BigInt(this.increment)).toString();
      if (accept(id) || back > 100_000n) return id;
    }
  }
}

/** The shard a guild's events go to, as Discord computes it: (guild_id >> 22) % num_shards. */
export const shardOf = (guildId: string, numShards: number): number => Number((BigInt(guildId) >> 22n) % BigInt(numShards));

export const timestampOf = (snowflake: string): number => Number((BigInt(snowflake) >> 22n) + DISCORD_EPOCH);

/** Interaction tokens look like Discord's: long, url-safe, no slash (discord.js routes need that). */
export const interactionToken = (id: string): string =>
  `${Buffer.from(`interaction:${id}:`).toString('base64url')}${randomBytes(48).toString('base64url')}`;

export const randomToken = (bytes = 24): string => randomBytes(bytes).toString('base64url');

import type { Keyv } from 'keyv';
import type { Platform, ServerSettings, SettingsStore, UserSettings } from './types.js';
import { VersionedKeyv } from './versioned-keyv.js';

/**
 * Settings in the `settings` namespace: `user:<platform>:<userId>` and `server:<platform>:<serverId>`, each the whole
 * settings object. A patch is merged under a per-key lock (in this process; two processes changing the same user's
 * settings in the same instant on Redis can lose one change, which a user action makes unlikely and harmless to
 * repeat). Settings that become empty delete their key.
 */
export function createSettingsStore(keyv: Keyv): SettingsStore {
  const users = new VersionedKeyv<UserSettings>(keyv);
  const servers = new VersionedKeyv<ServerSettings>(keyv);
  const userKey = (platform: Platform, id: string) => `user:${platform}:${id}`;
  const serverKey = (platform: Platform, id: string) => `server:${platform}:${id}`;

  return {
    async getUser(platform, userId) {
      return { ...(await users.get(userKey(platform, userId))) };
    },
    async setUser(platform, userId, patch) {
      return { ...(await users.update(userKey(platform, userId), (current) => merge(current, patch))) };
    },
    async getServer(platform, serverId) {
      return { ...(await servers.get(serverKey(platform, serverId))) };
    },
    async setServer(platform, serverId, patch) {
      return { ...(await servers.update(serverKey(platform, serverId), (current) => merge(current, patch))) };
    },
  };
}

/** `patch` over `current`: a key present in `patch` with the value undefined is removed. Empty → null (delete). */
function merge<T extends object>(current: T | undefined, patch: Partial<T>): T | null {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return Object.keys(next).length ? (next as T) : null;
}

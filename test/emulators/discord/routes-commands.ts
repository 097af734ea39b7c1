// Application commands (global and per guild): bulk overwrite, list, create, delete, with Discord's validation:
// names 1–32 (chat input: lowercase, no spaces), descriptions, ≤25 options, and at most 5 message and 5 user
// context-menu commands per scope (400 30032 beyond).

import { ok, route, type Ctx, type Route, type RouteRequest } from './context.js';
import { ApiError, at, errors, fieldError, isObject, mergeTrees } from './http-io.js';
import { BUCKETS } from './rate-limits.js';
import type { RegisteredCommand } from './types.js';

const CHAT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const MAX_PER_TYPE: Record<number, number> = { 1: 100, 2: 5, 3: 5 };

const badName = () => fieldError('APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
const badLength = (min: number, max: number) => fieldError('BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);

function commandErrors(raw: Record<string, unknown>, prefix: (string | number)[]): Record<string, unknown>[] {
  const trees: Record<string, unknown>[] = [];
  const type = typeof raw.type === 'number' ? raw.type : 1;
  const name = typeof raw.name === 'string' ? raw.name : '';
  if (name.length < 1 || name.length > 32) trees.push(at([...prefix, 'name'], badLength(1, 32)));
  else if (type === 1 && (!CHAT_NAME.test(name) || name !== name.toLowerCase())) trees.push(at([...prefix, 'name'], badName()));
  const description = typeof raw.description === 'string' ? raw.description : '';
  if (type === 1 && (description.length < 1 || description.length > 100)) {
    trees.push(at([...prefix, 'description'], badLength(1, 100)));
  }
  const options = Array.isArray(raw.options) ? raw.options : [];
  if (options.length > 25) trees.push(at([...prefix, 'options'], fieldError('BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.')));
  let optionalSeen = false;
  options.forEach((o: unknown, i: number) => {
    if (!isObject(o)) return;
    const n = typeof o.name === 'string' ? o.name : '';
    if (!CHAT_NAME.test(n) || n !== n.toLowerCase()) trees.push(at([...prefix, 'options', i, 'name'], badName()));
    const d = typeof o.description === 'string' ? o.description : '';
    if (d.length < 1 || d.length > 100) trees.push(at([...prefix, 'options', i, 'description'], badLength(1, 100)));
    if (o.required === true && optionalSeen) {
      trees.push(at([...prefix, 'options', i, 'required'], fieldError('APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options')));
    }
    if (o.required !== true) optionalSeen = true;
  });
  return trees;
}

export function commandRoutes(ctx: Ctx): Route[] {
  const scopeOf = (r: RouteRequest, guildScoped: boolean): string => {
    const [app = '', guild = ''] = r.params;
    if (app !== ctx.applicationId) throw new ApiError(403, 50001, 'Missing Access');
    if (!guildScoped) return 'global';
    ctx.world.guild(guild);
    return guild;
  };
  const list = (scope: string): RegisteredCommand[] => ctx.commands.get(scope) ?? [];

  const materialise = (scope: string, raw: Record<string, unknown>, previous: RegisteredCommand[]): RegisteredCommand => {
    const type = typeof raw.type === 'number' ? raw.type : 1;
    const name = String(raw.name);
    const old = previous.find((c) => c.name === name && c.type === type);
    return {
      default_member_permissions: null,
      contexts: null,
      integration_types: [0],
      nsfw: false,
      name_localizations: null,
      description_localizations: null,
      ...raw,
      id: old?.id ?? ctx.world.ids.next(),
      application_id: ctx.applicationId,
      version: ctx.world.ids.next(),
      type,
      name,
      description: type === 1 ? String(raw.description ?? '') : '',
      ...(scope === 'global' ? {} : { guild_id: scope }),
    };
  };

  const checkCounts = (commands: { type: number; name: string }[]) => {
    const seen = new Set<string>();
    commands.forEach((c, i) => {
      const key = `${c.type}:${c.name}`;
      if (seen.has(key)) {
        throw errors.invalidForm(at([i, 'name'], fieldError('APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`)));
      }
      seen.add(key);
    });
    for (const [type, max] of Object.entries(MAX_PER_TYPE)) {
      if (commands.filter((c) => c.type === Number(type)).length > max) throw errors.tooManyCommands(max);
    }
  };

  const overwrite = (guildScoped: boolean) => (r: RouteRequest) => {
    const scope = scopeOf(r, guildScoped);
    const body = r.body.json;
    if (!Array.isArray(body)) throw errors.invalidForm(fieldError('BASE_TYPE_LIST', 'Must be a list.'));
    const raws = body.map((c) => (isObject(c) ? c : {}));
    const trees = raws.flatMap((c, i) => commandErrors(c, [i]));
    if (trees.length) throw errors.invalidForm(mergeTrees(trees));
    const previous = list(scope);
    const next = raws.map((c) => materialise(scope, c, previous));
    checkCounts(next);
    ctx.commands.set(scope, next);
    return ok(next);
  };

  const create = (guildScoped: boolean) => (r: RouteRequest) => {
    const scope = scopeOf(r, guildScoped);
    const raw = isObject(r.body.json) ? r.body.json : {};
    const trees = commandErrors(raw, []);
    if (trees.length) throw errors.invalidForm(mergeTrees(trees));
    const previous = list(scope);
    const cmd = materialise(scope, raw, previous);
    const existed = previous.some((c) => c.id === cmd.id);
    const next = [...previous.filter((c) => c.id !== cmd.id), cmd];
    checkCounts(next);
    ctx.commands.set(scope, next);
    return { status: existed ? 200 : 201, body: cmd };
  };

  const remove = (guildScoped: boolean) => (r: RouteRequest) => {
    const scope = scopeOf(r, guildScoped);
    const id = r.params[r.params.length - 1];
    const previous = list(scope);
    if (!previous.some((c) => c.id === id)) throw errors.unknownCommand();
    ctx.commands.set(scope, previous.filter((c) => c.id !== id));
    return ok();
  };

  const b = () => ({ rule: BUCKETS.other, key: 'commands' });
  const G = '/applications/:app/commands';
  const GG = '/applications/:app/guilds/:guild/commands';
  return [
    route('GET', G, 'bot', b, (r) => ok(list(scopeOf(r, false)))),
    route('PUT', G, 'bot', b, overwrite(false)),
    route('POST', G, 'bot', b, create(false)),
    route('DELETE', `${G}/:command`, 'bot', b, remove(false)),
    route('GET', GG, 'bot', b, (r) => ok(list(scopeOf(r, true)))),
    route('PUT', GG, 'bot', b, overwrite(true)),
    route('POST', GG, 'bot', b, create(true)),
    route('DELETE', `${GG}/:command`, 'bot', b, remove(true)),
  ];
}

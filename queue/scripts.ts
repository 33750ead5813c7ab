import { readFileSync } from 'node:fs';
import type { Redis, Cluster } from 'ioredis';

/**
 * Lua scripts, one file per atomic command in queue/lua, named `verbNoun-N.lua` where N is the
 * number of KEYS. `registerScripts` defines each once per connection (ioredis then uses
 * EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover).
 */
const scriptFiles = [
  'hitLimit-1',
  'openQueue-1',
  'joinQueue-8',
  'startDraw-2',
  'writeDraw-3',
  'finishDraw-2',
  'revealSeed-1',
  'admitNext-7',
  'claimToken-6',
  'releaseToken-5',
  'settleToken-5',
  'changeStatus-1',
  'readFan-5',
  'readStats-6',
  'releaseLock-1',
] as const;
export type ScriptFile = (typeof scriptFiles)[number];
type ScriptName = ScriptFile extends `${infer Name}-${number}` ? Name : never;

export type RedisConnection = Redis | Cluster;

/** A script answers a negative integer for a refusal (see queue/lua/includes/codes.lua). */
export type Refusal = number;
/** The one refusal with details: `{-11, retryAfterMs, scope}` (see joinQueue-8.lua). */
export type RateLimited = [-11, number, string];
type Arg = string | number;

/** Typed wrappers of the scripts; each script's header says what the positions mean. */
export interface ScriptCommands {
  hitLimit(key: string, limit: number, windowMs: number): Promise<[number, number, number]>;
  openQueue(meta: string, seed: string, commitment: string, tokenTtlMs: number): Promise<[number, string, string]>;
  joinQueue(...keysThenArgs: Arg[]): Promise<Refusal | RateLimited | [number, string, number, number, string, number]>;
  startDraw(meta: string, prequeue: string): Promise<Refusal | [number, number, string]>;
  writeDraw(
    meta: string,
    drawn: string,
    ticketOf: string,
    offset: number,
    ...entryIds: string[]
  ): Promise<Refusal | [number, number]>;
  finishDraw(meta: string, drawn: string, orderDigest: string, entriesDigest: string): Promise<Refusal>;
  revealSeed(meta: string): Promise<Refusal | [string, string, number, string, number, string]>;
  admitNext(...keysThenArgs: Arg[]): Promise<Refusal | [number, number, number, ...string[]]>;
  claimToken(
    ...keysThenArgs: [string, string, string, string, string, string, string, string, string, string]
  ): Promise<Refusal | [number, string, number]>;
  releaseToken(
    ...keysThenArgs: [string, string, string, string, string, string, string, string]
  ): Promise<Refusal | [number, string, number]>;
  settleToken(
    ...keysThenArgs: [string, string, string, string, string, string, string]
  ): Promise<Refusal | [number, string]>;
  // Not `setStatus`: ioredis has a private method of that name, and the intersection type would collapse.
  changeStatus(meta: string, action: string): Promise<Refusal | [number, string, string]>;
  readFan(...keysThenArgs: [string, string, string, string, string, string]): Promise<Refusal | FanReply>;
  readStats(...keys: [string, string, string, string, string, string]): Promise<Refusal | StatsReply>;
  releaseLock(lock: string, owner: string): Promise<number>;
}

export type FanReply = [
  string,
  string,
  number,
  number,
  number,
  string | null,
  number | null,
  number,
  string | null,
  number,
  string | null,
];
export type StatsReply = [
  string,
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  string,
  number,
  number,
  number,
  number,
];

/** A script's source with its `--@include name` lines replaced by queue/lua/includes/<name>.lua. */
export function scriptSource(file: ScriptFile): string {
  const source = readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
  // Includes let scripts share helpers without copying them; Redis only ever sees one text.
  return source.replace(/^--@include (\S+)$/gm, (_, name: string) =>
    readFileSync(new URL(`./lua/includes/${name}.lua`, import.meta.url), 'utf8'),
  );
}

const registered = new WeakSet<object>();

export function registerScripts(redis: RedisConnection): RedisConnection & ScriptCommands {
  if (!registered.has(redis)) {
    for (const file of scriptFiles) {
      const [name, keys] = file.split('-') as [ScriptName, string];
      redis.defineCommand(name, { numberOfKeys: Number(keys), lua: scriptSource(file) });
    }
    registered.add(redis);
  }
  return redis as RedisConnection & ScriptCommands;
}

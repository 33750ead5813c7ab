import { readFileSync } from 'node:fs';
import type { Redis, Cluster } from 'ioredis';

/**
 * Lua scripts, one file per atomic command in queue/lua, named `verbNoun-N.lua` where N is the
 * number of KEYS. `registerScripts` defines each once per connection (ioredis then uses
 * EVALSHA and falls back to EVAL after a SCRIPT FLUSH or a failover).
 */
const scriptFiles = ['hitLimit-1'] as const;
type ScriptName = (typeof scriptFiles)[number] extends `${infer Name}-${number}` ? Name : never;

export type RedisConnection = Redis | Cluster;

export interface ScriptCommands {
  hitLimit(key: string, limit: number, windowMs: number): Promise<[number, number, number]>;
}

function loadLua(file: string): string {
  const source = readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
  // `--@include name` pulls a helper from lua/includes so scripts share code without copying it.
  return source.replace(/^--@include (\S+)$/gm, (_, name: string) =>
    readFileSync(new URL(`./lua/includes/${name}.lua`, import.meta.url), 'utf8'),
  );
}

const registered = new WeakSet<object>();

export function registerScripts(redis: RedisConnection): RedisConnection & ScriptCommands {
  if (!registered.has(redis)) {
    for (const file of scriptFiles) {
      const [name, keys] = file.split('-') as [ScriptName, string];
      redis.defineCommand(name, { numberOfKeys: Number(keys), lua: loadLua(file) });
    }
    registered.add(redis);
  }
  return redis as RedisConnection & ScriptCommands;
}

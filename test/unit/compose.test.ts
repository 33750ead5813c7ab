import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../src/config.js';

/**
 * Docker cannot run here, so the compose files are checked against the code instead: every
 * variable they set is one the config knows, each service's environment parses as a production
 * config, commands and health checks point at files and routes that exist, dependencies name
 * real services (with health checks where they wait for health), nginx forwards to the API
 * services with WebSocket upgrades.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// `<<` merge keys are YAML 1.1, which compose reads; the parser needs to be told.
const load = (path: string) => parse(read(path), { merge: true }) as Compose;

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against the given variables; `$$` is a literal `$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value
    .replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
      const set = vars[name];
      if (set) return set;
      if (op === '?') throw new Error(`${name} is required: ${arg}`);
      return op === '-' ? (arg ?? '') : '';
    })
    .replace(/\$\$/g, '$');
}

/** Merges an override file into the base the way compose does for the keys we use. */
function overlay(base: Compose, override: Compose): Compose {
  const services = { ...base.services };
  for (const [name, extra] of Object.entries(override.services)) {
    const current = services[name] ?? {};
    services[name] = {
      ...current,
      ...extra,
      environment: { ...current.environment, ...extra.environment },
      depends_on: { ...current.depends_on, ...extra.depends_on },
    };
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

const fairdropServices = (compose: Compose) => Object.entries(compose.services).filter(([, s]) => s.build === '.');

function checkDeployment(compose: Compose) {
  const names = Object.keys(compose.services);
  const vars = { FAIRDROP_SIGNING_KEY: 'test-key' };
  for (const [name, service] of fairdropServices(compose)) {
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]),
    );
    expect(
      Object.keys(env).filter((k) => !configVariables.includes(k)),
      `${name}: unknown variables`,
    ).toEqual([]);
    expect(() => loadConfig(env), name).not.toThrow();
    expect(loadConfig(env).NODE_ENV).toBe('production');
  }
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      expect(names, `${name} depends on ${dependency}`).toContain(dependency);
      expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      if (condition === 'service_healthy')
        expect(compose.services[dependency]!.healthcheck, `${dependency} needs a health check`).toBeDefined();
    }
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':') as [string];
      if (source.startsWith('.')) expect(existsSync(`${root}/${source}`), volume).toBe(true);
      else expect(Object.keys(compose.volumes ?? {}), `named volume ${source}`).toContain(source);
    }
  }
}

describe('docker-compose.yml', () => {
  const compose = load('docker-compose.yml');

  it('runs Postgres, Redis, two API nodes, a worker and nginx', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api1', 'api2', 'nginx', 'postgres', 'redis', 'worker']);
    expect(
      fairdropServices(compose)
        .map(([n]) => n)
        .sort(),
    ).toEqual(['api1', 'api2', 'worker']);
    checkDeployment(compose);
  });

  it('keeps jobs off the API nodes, names every node, and runs the worker entry point', () => {
    const { api1, api2, worker } = compose.services;
    for (const api of [api1!, api2!]) {
      expect(api.environment).toMatchObject({ RUN_WORKERS: 'false' });
      expect(api.command).toBeUndefined(); // the image's CMD: src/main.ts
    }
    expect(new Set([api1, api2, worker].map((s) => s!.environment!.NODE_ID)).size).toBe(3);
    expect(worker!.command).toEqual(['node', '--import', 'tsx', 'src/worker.ts']);
    expect(existsSync(`${root}/src/worker.ts`)).toBe(true);
    expect(read('Dockerfile')).toMatch(/CMD \["node", "--import", "tsx", "src\/main\.ts"\]/);
    // Everything the processes read at run time is in the image.
    for (const dir of ['src', 'queue', 'web', 'drizzle']) expect(read('Dockerfile')).toContain(`COPY ${dir} ./${dir}`);
    // The product only: tools/ (local services, demo data, simulator, CLIs) stays out of the image.
    expect(read('Dockerfile')).not.toMatch(/COPY (\. |tools)/);
    // tsx runs the sources in production, so it must be a runtime dependency.
    expect(JSON.parse(read('package.json')).dependencies).toHaveProperty('tsx');
  });

  it('checks API health on /readyz at the port the nodes listen on', () => {
    const probe = compose.services.api1!.healthcheck!.test.join(' ');
    expect(probe).toContain('http://127.0.0.1:3000/readyz');
    expect(loadConfig({}).PORT).toBe(3000);
    expect(read('src/http/health.routes.ts')).toContain("path: '/readyz'");
    expect(compose.services.nginx!.depends_on).toEqual({
      api1: { condition: 'service_healthy' },
      api2: { condition: 'service_healthy' },
    });
  });

  it('has nginx balance the API services and pass WebSocket upgrades', () => {
    const nginx = read('deploy/nginx.conf');
    const upstream = [...nginx.matchAll(/^\s*server (\w+):(\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(upstream).toEqual(['api1:3000', 'api2:3000']);
    expect(nginx).toMatch(/proxy_http_version 1\.1;/);
    expect(nginx).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(nginx).toMatch(/proxy_set_header X-Forwarded-For/);
    expect(compose.services.nginx!.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
  });

  it('has the API nodes believe exactly the one hop nginx adds to X-Forwarded-For', () => {
    // nginx appends the address it saw; the nodes take that last entry and nothing to its left.
    expect(read('deploy/nginx.conf')).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    for (const name of ['api1', 'api2']) {
      const env = Object.fromEntries(
        Object.entries(compose.services[name]!.environment!).map(([k, v]) => [
          k,
          interpolate(String(v), { FAIRDROP_SIGNING_KEY: 'k' }),
        ]),
      );
      expect(loadConfig(env).TRUST_PROXY, name).toBe(1);
      // Production without a token: /metrics is not served on the public port (nginx forwards it).
      expect(loadConfig(env).METRICS_TOKEN, name).toBeUndefined();
    }
    expect(compose.services.nginx!.ports).toEqual(['8080:80']);
    // The API nodes are reached only through nginx: none publishes a port of its own.
    for (const [name, service] of fairdropServices(compose)) expect(service.ports, name).toBeUndefined();
  });
});

describe('deploy/docker-compose.redis-cluster.yml', () => {
  const merged = overlay(load('docker-compose.yml'), load('deploy/docker-compose.redis-cluster.yml'));

  it('adds three cluster nodes and points every Fairdrop process at them instead of REDIS_URL', () => {
    expect(Object.keys(merged.services)).toEqual(expect.arrayContaining(['redis-1', 'redis-2', 'redis-3', 'redis']));
    checkDeployment(merged);
    for (const [name, service] of fairdropServices(merged)) {
      const config = loadConfig(
        Object.fromEntries(
          Object.entries(service.environment!).map(([k, v]) => [
            k,
            interpolate(String(v), { FAIRDROP_SIGNING_KEY: 'k' }),
          ]),
        ),
      );
      expect(config.REDIS_URL, name).toBeUndefined();
      expect(config.REDIS_CLUSTER_NODES, name).toEqual(['redis-1:6379', 'redis-2:6379', 'redis-3:6379']);
    }
    for (const node of ['redis-1', 'redis-2', 'redis-3']) {
      expect(merged.services[node]!.command).toEqual(
        expect.arrayContaining(['--cluster-enabled', 'yes', '--appendonly', 'yes']),
      );
    }
    // The base `redis` becomes the cluster's creator and health gate.
    expect(merged.services.redis!.command!.join(' ')).toContain('redis-cli --cluster create');
    expect(merged.services.redis!.healthcheck!.test.join(' ')).toContain('cluster_state:ok');
  });
});

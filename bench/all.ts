/**
 * `npm run bench`: every `bench:*` script of package.json, one after the other, each as a child
 * process (`npm run --silent bench:x -- …`), with options small enough for the whole set to
 * finish in minutes on a loaded 2-core machine. Each benchmark measures its own baseline in its
 * own run and ends with one JSON line; this reads that line, prints ONE table (benchmark,
 * figure, value, baseline, ratio, target, met) and then one JSON line with everything. The
 * benchmarks' figures and methods are theirs: this only chooses sizes and reads results.
 *
 *   npm run bench [-- --full] [--only holds,queue-join] [--args 'holds=--buyers 200 --rounds 3']
 *                 [--timeout 900] [--replay captured.jsonl]
 *
 *   --full     each benchmark at its own defaults (long: tens of minutes in all)
 *   --only     a comma-separated subset (names without the `bench:` prefix)
 *   --args     extra flags for one benchmark, appended after the small defaults (last wins);
 *              repeatable
 *   --timeout  seconds per benchmark before its process group is killed (default 900)
 *   --replay   build the table from captured JSON lines (one per benchmark) without running any
 *
 * Exit code 0 when every benchmark ran and printed its JSON line (a target not met is a figure,
 * not a failure); 1 otherwise.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Sizes for a run of minutes; `--full` drops them. Flags as each benchmark parses them. */
const SMALL: Record<string, { args: string[]; env?: Record<string, string> }> = {
  holds: { args: ['--buyers', '50', '--rounds', '2'] },
  queue: { args: ['--sockets', '3000', '--nodes', '2', '--client-procs', '2', '--seconds', '4', '--rounds', '1'] },
  'queue-draw': { args: ['--entries', '200000', '--rounds', '1'] },
  'queue-join': { args: ['--requests', '20000', '--rounds', '1'] },
  search: { args: [], env: { ITERATIONS: '50' } },
  sizing: { args: ['--entries', '20000', '--sockets', '500', '--seats', '5000', '--purchases', '300'] },
};

export interface Row {
  benchmark: string;
  figure: string;
  value: number | string | null;
  baseline: number | string | null;
  ratio: number | null;
  target: string | null;
  met: boolean | null;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const r3 = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
const div = (a: number | null, b: number | null) => (a !== null && b !== null && b !== 0 ? r3(a / b) : null);
const row = (
  benchmark: string,
  figure: string,
  value: unknown,
  baseline: unknown,
  ratio: number | null,
  target: string | null,
  met: boolean | null,
): Row => ({
  benchmark,
  figure,
  value: num(value) ?? (typeof value === 'string' ? value : null),
  baseline: num(baseline) ?? (typeof baseline === 'string' ? baseline : null),
  ratio,
  target,
  met,
});

/** The table rows of one benchmark's final JSON line: its headline figures, baselines and targets as it printed them. */
export function rowsFor(result: Json): Row[] {
  const b = String(result.bench ?? '?');
  switch (b) {
    case 'search': {
      const searches = obj(result.searches);
      const entries = Object.entries(searches).map(([name, s]) => [name, obj(s)] as const);
      const worstP95 = entries.find(([, s]) => s.apiP95 === result.worstApiP95);
      const worstRatio = entries.find(([, s]) => s.ratioP95 === result.worstRatioP95);
      const t = obj(result.target);
      return [
        row(
          b,
          `worst API p95, ms (${worstP95?.[0] ?? '?'})`,
          result.worstApiP95,
          worstP95?.[1].sqlP95,
          div(num(result.worstApiP95), num(worstP95?.[1].sqlP95)),
          `≤ ${String(t.apiP95Ms)} ms`,
          num(result.worstApiP95) !== null ? num(result.worstApiP95)! <= Number(t.apiP95Ms) : null,
        ),
        row(
          b,
          `worst API / SQL p95 (${worstRatio?.[0] ?? '?'})`,
          worstRatio?.[1].apiP95,
          worstRatio?.[1].sqlP95,
          num(result.worstRatioP95),
          `≤ ${String(t.ratioP95)}×`,
          num(result.worstRatioP95) !== null ? num(result.worstRatioP95)! <= Number(t.ratioP95) : null,
        ),
      ];
    }
    case 'holds': {
      // Issue #15's rows: the API against the bare HTTP purchase (reserved seat, GA tier), the
      // statement counts, and the comparison with the bare UPDATE (no target). A path the
      // run did not measure (--only) has no row; a line from before the bare HTTP purchase
      // keeps only the rows it has figures for.
      const api = obj(result.api);
      const hold = obj(result.holdOnly);
      const bare = obj(result.bareHttp);
      const update = obj(result.baseline);
      const ga = obj(result.ga);
      const t = obj(result.targets);
      const met = obj(result.met);
      const verdict = (v: unknown) => (typeof v === 'boolean' ? v : null);
      const yesNo = (v: unknown) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : null);
      const goal = (v: unknown, say: (n: number) => string) => (num(v) === null ? null : say(num(v)!));
      return [
        row(
          b,
          'purchases/s through the API, reserved seat (hold + order)',
          api.throughput,
          bare.throughput,
          r3(num(result.ratioVsBareHttp)),
          goal(t.ratioVsBareHttp, (n) => `≥ ${n}× bare HTTP purchase`),
          verdict(met.ratioVsBareHttp),
        ),
        row(
          b,
          'API purchase p99, ms, reserved seat',
          api.p99Ms,
          bare.p99Ms,
          div(num(api.p99Ms), num(bare.p99Ms)),
          goal(t.p99Ms, (n) => `≤ ${n} ms`),
          verdict(met.p99Ms),
        ),
        row(
          b,
          'purchases/s through the API, GA tier (hold + order)',
          ga.throughput,
          ga.bareHttpThroughput,
          r3(num(ga.ratioVsBareHttp)),
          goal(t.gaRatioVsBareHttp, (n) => `≥ ${n}× bare HTTP purchase`),
          verdict(met.gaRatioVsBareHttp),
        ),
        row(
          b,
          'API purchases/s, GA tier vs reserved seat (one counter row)',
          ga.throughput,
          api.throughput,
          r3(num(ga.vsReserved)),
          null,
          null,
        ),
        row(
          b,
          'bare HTTP purchases/s, GA tier vs reserved seat (one counter row)',
          ga.bareHttpThroughput,
          bare.throughput,
          r3(num(ga.bareHttpVsReservedBareHttp)),
          null,
          null,
        ),
        row(
          b,
          'GA counter row is the limit (API vs bare HTTP; lock waits and GA ÷ reserved)',
          yesNo(ga.counterRowIsLimit),
          yesNo(ga.bareHttpCounterRowIsLimit),
          null,
          null,
          null,
        ),
        row(
          b,
          'SQL statements per API purchase (vs bare HTTP)',
          api.statementsPerOp,
          bare.statementsPerOp,
          div(num(api.statementsPerOp), num(bare.statementsPerOp)),
          goal(t.statementsPerPurchase, (n) => `≤ ${n}`),
          verdict(met.statementsPerPurchase),
        ),
        row(
          b,
          'SQL statements per API hold (vs bare HTTP hold)',
          hold.statementsPerOp,
          num(hold.statementsPerOp) === null ? null : 1,
          div(num(hold.statementsPerOp), 1),
          goal(t.statementsPerHold, (n) => `≤ ${n}`),
          verdict(met.statementsPerHold),
        ),
        row(
          b,
          'purchases/s through the API vs the bare UPDATE',
          api.throughput,
          update.throughput,
          r3(num(result.ratio)),
          null,
          null,
        ),
      ].filter((r) => r.value !== null);
    }
    case 'queue-join': {
      const ratios = obj(result.ratios);
      const t = obj(result.target);
      const ratio = num(ratios.ioredisVsRedisBenchmark);
      return [
        row(
          b,
          'join script via ioredis, joins/s',
          result.ioredisJoinsPerSec,
          result.redisBenchmarkEvalshaPerSec,
          ratio,
          `≥ ${String(t.ioredisVsRedisBenchmark)}× redis-benchmark`,
          ratio === null ? null : ratio >= Number(t.ioredisVsRedisBenchmark),
        ),
        row(
          b,
          'WaitingRoom.join, joins/s',
          result.waitingRoomJoinsPerSec,
          result.redisBenchmarkEvalshaPerSec,
          num(ratios.waitingRoomVsRedisBenchmark),
          null,
          null,
        ),
      ];
    }
    case 'queue-draw': {
      const t = obj(result.targets);
      const draw = num(result.drawMs);
      const exec = num(result.redisMaxExecMs);
      const call = num(result.maxCallMs);
      return [
        row(
          b,
          `draw of ${String(result.entries)} entries, ms`,
          draw,
          null,
          null,
          `≤ ${String(t.drawMs)} ms`,
          draw === null ? null : draw <= Number(t.drawMs),
        ),
        row(
          b,
          'longest call inside Redis (SLOWLOG), ms',
          exec ?? `< ${String(result.redisSlowlogThresholdMs)} (none logged)`,
          null,
          null,
          `≤ ${String(t.maxCallMs)} ms`,
          exec === null ? true : exec <= Number(t.maxCallMs),
        ),
        row(
          b,
          'longest round trip of a draw call, ms',
          call,
          null,
          null,
          `≤ ${String(t.maxCallMs)} ms`,
          call === null ? null : call <= Number(t.maxCallMs),
        ),
      ];
    }
    case 'queue': {
      const rows: Row[] = [];
      const join = obj(result.join);
      if (Object.keys(join).length)
        rows.push(
          row(
            b,
            'HTTP join, joins/s',
            join.apiJoinsPerSecond,
            join.bareExpressPerSecond,
            r3(num(join.ratio)),
            `≥ ${String(join.target)}× bare Express`,
            typeof join.met === 'boolean' ? join.met : null,
          ),
        );
      const s = obj(result.sockets);
      if (Object.keys(s).length) {
        rows.push(
          row(
            b,
            `RSS per queue socket, KB (${String(s.connected)} over ${String(s.nodes)} nodes)`,
            s.rssKbPerSocket,
            s.bareRssKbPerSocket,
            div(num(s.rssKbPerSocket), num(s.bareRssKbPerSocket)),
            `≤ ${String(s.rssTargetKb)} KB`,
            typeof s.rssMet === 'boolean' ? s.rssMet : null,
          ),
        );
        rows.push(
          row(
            b,
            'cursor broadcast to 99% of sockets, ms',
            s.broadcastP99Ms ?? 'fewer than 99% reached',
            s.bareBroadcastP99Ms,
            div(num(s.broadcastP99Ms), num(s.bareBroadcastP99Ms)),
            `≤ ${String(s.broadcastTargetMs)} ms`,
            typeof s.broadcastMet === 'boolean' ? s.broadcastMet : null,
          ),
        );
        const same = obj(s.bareSameScale);
        if (Object.keys(same).length)
          rows.push(
            row(
              b,
              `… vs bare socket.io at the same scale (${String(same.processes)} processes), ms`,
              s.broadcastP99Ms ?? 'fewer than 99% reached',
              same.broadcastP99Ms ?? 'fewer than 99% reached',
              r3(num(s.broadcastRatioVsBareSameScale)),
              '–',
              null,
            ),
          );
      }
      return rows;
    }
    case 'sizing': {
      const node = obj(result.node);
      const redis = obj(result.redis);
      const pg = obj(result.postgres);
      return [
        row(b, 'bytes per socket.io connection (API node)', node.bytesPerSocket, null, null, null, null),
        row(b, 'bytes per drawn queue entry (Redis)', redis.bytesPerEntryDrawn, null, null, null, null),
        row(
          b,
          'bytes per one-seat purchase (Postgres, all tables)',
          pg.bytesPerPurchaseAllTables,
          null,
          null,
          null,
          null,
        ),
      ];
    }
    default: {
      // A benchmark this table does not know yet: its top-level ratio / target / met, if any.
      const met =
        typeof result.met === 'boolean'
          ? result.met
          : typeof result.meetsTarget === 'boolean'
            ? result.meetsTarget
            : typeof result.pass === 'boolean'
              ? result.pass
              : null;
      return [
        row(
          b,
          'see its JSON',
          null,
          null,
          num(result.ratio),
          result.target === undefined ? null : JSON.stringify(result.target),
          met,
        ),
      ];
    }
  }
}

const cell = (v: Row[keyof Row]) =>
  v === null
    ? '–'
    : typeof v === 'boolean'
      ? v
        ? 'yes'
        : 'NO'
      : typeof v === 'number'
        ? v.toLocaleString('en-US', { maximumFractionDigits: 3 })
        : v;

/** The one table, in aligned columns. */
export function renderTable(rows: Row[]): string {
  const head = ['benchmark', 'figure', 'value', 'baseline', 'ratio', 'target', 'met'];
  const cells = rows.map((r) => [
    r.benchmark,
    r.figure,
    cell(r.value),
    cell(r.baseline),
    cell(r.ratio),
    cell(r.target),
    cell(r.met),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 3, 4]);
  const line = (c: string[]) =>
    c
      .map((v, i) => (right.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** The last line of `stdout` that is a JSON object with a `bench` field, or null. */
export function finalJson(stdout: string): Json | null {
  const lines = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed = JSON.parse(lines[i]!) as unknown;
      if (obj(parsed).bench !== undefined) return parsed as Json;
    } catch {
      // a progress line that happens to start with a brace: not the result
    }
  }
  return null;
}

interface Run {
  benchmark: string;
  script: string;
  args: string[];
  seconds: number;
  exitCode: number | null;
  /** Why there is no result, when there is none. */
  failure: string | null;
  loadAverage1m: { start: number; end: number };
  result: Json | null;
}

function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutS: number,
): Promise<{ code: number | null; stdout: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout stops the benchmark and every child it started.
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    let stdout = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(chunk); // its own output, as it runs; the table goes to stdout at the end
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    const stopGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    process.once('SIGINT', stopGroup);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', stopGroup);
      resolve({ code, stdout, timedOut });
    });
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      full: { type: 'boolean', default: false },
      only: { type: 'string' },
      args: { type: 'string', multiple: true, default: [] },
      timeout: { type: 'string', default: '900' },
      replay: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `npm run bench [-- --full] [--only a,b] [--args 'name=--flag value'] [--timeout S] [--replay file.jsonl]\n`,
    );
    return 0;
  }
  let runs: Run[];
  if (values.replay) {
    runs = readFileSync(values.replay, 'utf8')
      .split('\n')
      .map((l) => finalJson(l))
      .filter((j): j is Json => j !== null)
      .map((result) => ({
        benchmark: String(result.bench),
        script: `bench:${String(result.bench)}`,
        args: [],
        seconds: 0,
        exitCode: 0,
        failure: null,
        loadAverage1m: { start: 0, end: 0 },
        result,
      }));
  } else {
    const scripts = (
      JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    let names = Object.keys(scripts)
      .filter((s) => s.startsWith('bench:'))
      .map((s) => s.slice('bench:'.length));
    if (values.only) {
      const wanted = values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = wanted.filter((w) => !names.includes(w));
      if (unknown.length)
        throw new Error(`--only: no script bench:${unknown.join(', bench:')} (there are: ${names.join(', ')})`);
      names = names.filter((n) => wanted.includes(n));
    }
    const extra = new Map<string, string[]>();
    for (const a of values.args) {
      const eq = a.indexOf('=');
      if (eq < 1) throw new Error(`--args ${a}: expected name=flags`);
      extra.set(
        a.slice(0, eq),
        a
          .slice(eq + 1)
          .split(/\s+/)
          .filter(Boolean),
      );
    }
    const timeoutS = Number(values.timeout);
    if (!(timeoutS > 0)) throw new Error('--timeout: seconds > 0');
    runs = [];
    for (const name of names) {
      const small = values.full ? { args: [] } : (SMALL[name] ?? { args: [] });
      const args = [...small.args, ...(extra.get(name) ?? [])];
      process.stderr.write(
        `\n=== npm run bench:${name}${args.length ? ` -- ${args.join(' ')}` : ''}${
          small.env
            ? ` (${Object.entries(small.env)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')})`
            : ''
        }\n`,
      );
      const load0 = loadavg()[0]!;
      const started = Date.now();
      const out = await runScript(`bench:${name}`, args, small.env ?? {}, timeoutS);
      const result = finalJson(out.stdout);
      const failure = out.timedOut
        ? `killed after ${timeoutS} s`
        : out.code !== 0
          ? `exit code ${out.code}`
          : result
            ? null
            : 'no JSON line on stdout';
      runs.push({
        benchmark: name,
        script: `bench:${name}`,
        args,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        exitCode: out.code,
        failure: result && out.code === 0 ? null : failure,
        loadAverage1m: { start: Math.round(load0 * 10) / 10, end: Math.round(loadavg()[0]! * 10) / 10 },
        result,
      });
    }
  }

  const rows = runs.flatMap((r) =>
    r.result && !r.failure
      ? rowsFor(r.result)
      : [row(r.benchmark, `FAILED: ${r.failure ?? 'no result'}`, null, null, null, null, null)],
  );
  process.stdout.write(`\n${renderTable(rows)}\n\n`);
  if (!values.replay) {
    process.stdout.write(
      `${runs.map((r) => `${r.benchmark}: ${r.seconds} s, load ${r.loadAverage1m.start} → ${r.loadAverage1m.end}`).join('; ')}\n\n`,
    );
  }
  process.stdout.write(`${JSON.stringify({ bench: 'all', full: values.full, rows, runs })}\n`);
  return runs.every((r) => !r.failure) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(64);
    },
  );
}

import { saleHeadline, targetsLine, type DropReport } from './report.js';

/**
 * The report as one self-contained HTML page: inline CSS and SVG drawn here, no script, no
 * CDN, so it opens from a file, from a CI artifact or from docs/ without a network.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number) => v.toLocaleString('en-US');
/** 1, 500, 2k, 30k: bucket labels short enough not to collide under narrow bars. */
const short = (v: number) => (v >= 1000 ? `${v / 1000}k` : String(v));

interface Line {
  label: string;
  color: string;
  values: (number | null)[];
}

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** Queue mode: fans away from the page, the purchase tokens from the server's records, and admission → hold by channel. */
function awaySection(r: DropReport): string {
  const a = r.waiting.away;
  const t = r.tokens;
  const away = `<h2>Away from the page (Web Push)</h2>
<p>${(a.share * 100).toFixed(0)}% of the fans left the page after joining: each subscribed to Web Push with an endpoint on the simulator's own receiver, which checked the VAPID signature and decrypted every push (${num(a.pushes)} decrypted, ${num(a.pushesRefused)} refused). They came back a mean ${a.reactSeconds} s after the push (at once on the reminder), or never (${(a.never * 100).toFixed(0)}%).</p>
<table>${row(['away fans', 'joined', 'bought', 'back on the push', 'on the reminder', 'on a look', 'pass lapsed', 'admission → push p50 ms', 'p99 ms'], true)}${row(['', num(a.joined), num(a.bought), num(a.reactedToTurn), num(a.reactedToReminder), num(a.reactedToLook), num(a.passExpired), r.latency.notice.p50, r.latency.notice.p99])}</table>`;
  const tokens = t
    ? `<h2>Purchase tokens (the server's records)</h2>
<p>Read from Redis (the waiting room's grants) and Postgres (holds made with a token): ${num(t.issued)} issued, ${num(t.used)} used, ${num(t.expired)} expired unused, ${num(t.outstanding)} still valid; ${num(t.holdsWithToken)} holds carry a token${t.claimedWithoutHold || t.holdsNotClaimed ? `; <strong>${num(t.claimedWithoutHold)} claimed without a hold, ${num(t.holdsNotClaimed)} holds not claimed</strong>` : ''}. Admission is the token's issue (its expiry minus the TTL), the hold its row's creation.</p>
<table>${row(['channel', 'issued', 'used', 'expired', 'still valid', 'admission → hold p50 s', 'p90 s', 'p99 s', 'max s'], true)}${(
        ['socket', 'poll', 'push', 'unknown'] as const
      )
        .map((c) => {
          const by = t.byChannel[c];
          const p = c === 'unknown' ? null : t.admissionToHold[c];
          return by.issued === 0
            ? ''
            : row([
                c,
                num(by.issued),
                num(by.used),
                num(by.expired),
                num(by.outstanding),
                p ? sec(p.p50) : '-',
                p ? sec(p.p90) : '-',
                p ? sec(p.p99) : '-',
                p ? sec(p.max) : '-',
              ]);
        })
        .join('')}</table>
<div class="grid-2" style="margin-top:12px">${(['socket', 'poll', 'push'] as const)
        .filter((c) => t.admissionToHold[c].count > 0)
        .map((c) =>
          histogramChart(
            `admission → hold, ${c}`,
            t.admissionToHoldHistogram[c].bounds,
            t.admissionToHoldHistogram[c].counts,
          ),
        )
        .join('')}</div>`
    : '';
  const notices = r.notices?.rows.length
    ? `<table style="margin-top:12px">${row(['message', 'channel', 'sent', 'skipped (pass used)', 'failed', 'pending'], true)}${r.notices.rows.map((m) => row([m.kind, m.channel, num(m.sent), num(m.skipped), num(m.failed), num(m.pending)])).join('')}</table>`
    : '';
  return away + tokens + notices;
}

const W = 640;
const H = 220;
const PAD = { left: 56, right: 12, top: 14, bottom: 30 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** A line chart over seconds since the sale opened; null points break the line. */
function lineChart(title: string, lines: Line[], xLabel = 'seconds since the sale opened'): string {
  const length = Math.max(1, ...lines.map((l) => l.values.length));
  const max = niceMax(Math.max(0, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null))));
  const x = (i: number) => PAD.left + (length === 1 ? 0 : (i / (length - 1)) * (W - PAD.left - PAD.right));
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(max * f)}" y2="${y(max * f)}" class="grid"/><text x="${PAD.left - 6}" y="${y(max * f) + 4}" class="tick" text-anchor="end">${num(Math.round(max * f))}</text>`,
    )
    .join('');
  const xticks = Array.from({ length: 6 }, (_, k) => Math.round((k / 5) * (length - 1)))
    .map((i) => `<text x="${x(i)}" y="${H - PAD.bottom + 16}" class="tick" text-anchor="middle">${i}</text>`)
    .join('');
  const paths = lines
    .map((l) => {
      let d = '';
      let pen = false;
      l.values.forEach((v, i) => {
        if (v === null) return void (pen = false);
        d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      return d
        ? `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="2"><title>${esc(l.label)}</title></path>`
        : '';
    })
    .join('');
  const legend = lines
    .map((l) => `<span class="key"><span class="swatch" style="background:${l.color}"></span>${esc(l.label)}</span>`)
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${grid}${xticks}${paths}<text x="${(W + PAD.left) / 2}" y="${H - 2}" class="tick" text-anchor="middle">${esc(xLabel)}</text></svg><div class="legend">${legend}</div></figure>`;
}

function histogramChart(title: string, bounds: (number | null)[], counts: number[]): string {
  const max = niceMax(Math.max(0, ...counts));
  const bw = (W - PAD.left - PAD.right) / counts.length;
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const bars = counts
    .map((c, i) => {
      const label = bounds[i] === null ? `>${short(bounds[i - 1] ?? 0)}` : short(bounds[i]!);
      return (
        `<rect x="${(PAD.left + i * bw + 2).toFixed(1)}" y="${y(c).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${(H - PAD.bottom - y(c)).toFixed(1)}" class="bar"><title>${esc(`${bounds[i] === null ? label : `≤ ${label}`} ms: ${num(c)}`)}</title></rect>` +
        `<text x="${(PAD.left + i * bw + bw / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" class="tick" text-anchor="middle">${esc(label)}</text>`
      );
    })
    .join('');
  const grid = [0, 0.5, 1]
    .map(
      (f) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(max * f)}" y2="${y(max * f)}" class="grid"/><text x="${PAD.left - 6}" y="${y(max * f) + 4}" class="tick" text-anchor="end">${num(Math.round(max * f))}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${grid}${bars}<text x="${(W + PAD.left) / 2}" y="${H - 2}" class="tick" text-anchor="middle">milliseconds (upper bound of each bucket)</text></svg></figure>`;
}

const row = (cells: (string | number)[], head = false) =>
  `<tr>${cells.map((c) => (head ? `<th>${esc(String(c))}</th>` : `<td>${esc(String(c))}</td>`)).join('')}</tr>`;
/** A target's verdict cell: met in green, missed in red. */
const verdictCell = (met: boolean) => `<td class="${met ? 'ok' : 'fail'}">${met ? 'met' : 'MISSED'}</td>`;

/** Codes by endpoint, or a word when there are none. */
const codeTable = (list: DropReport['errors'], none: string) =>
  list.length
    ? `<table>${row(['endpoint', 'code', 'count'], true)}${list.map((e) => row([e.endpoint, e.code, num(e.count)])).join('')}</table>`
    : `<p>${esc(none)}</p>`;

export function renderHtml(r: DropReport): string {
  const s = r.sale;
  const o = r.options;
  const charts: string[] = [
    lineChart('Sales over time', [
      { label: 'tickets sold (cumulative)', color: '#1f6feb', values: r.series.ticketsCumulative },
      { label: 'places remaining (API)', color: '#d1242f', values: r.series.remaining },
    ]),
    lineChart('Per second', [
      { label: 'arrivals', color: '#8250df', values: r.series.arrivals },
      { label: 'holds', color: '#bf8700', values: r.series.holds },
      { label: 'tickets sold', color: '#1a7f37', values: r.series.tickets },
    ]),
  ];
  if (r.series.queueWaiting.some((v) => v !== null)) {
    charts.push(
      lineChart('Queue', [
        { label: 'waiting', color: '#d1242f', values: r.series.queueWaiting },
        { label: 'admitted (cumulative)', color: '#1a7f37', values: r.series.queueAdmitted },
      ]),
    );
  }
  charts.push(lineChart('Fans active at once', [{ label: 'active', color: '#57606a', values: r.series.active }]));
  const histograms = Object.entries(r.histograms)
    .filter(([m]) => r.latency[m as keyof typeof r.latency].count > 0)
    .map(([m, h]) => histogramChart(`${m} latency`, h.bounds, h.counts));

  const checks = [...(r.audit?.checks ?? []), ...(r.queueChecks ?? []), ...(r.clientChecks ?? [])];
  const verdict = r.audit
    ? r.clean
      ? '<p class="ok">Audit clean: no oversell, every payment has its tickets, every ticket its payment.</p>'
      : '<p class="fail">Audit found violations (below).</p>'
    : `<p class="fail">Audit skipped: ${esc(r.auditSkipped ?? '')}</p>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drop report ${esc(r.runId)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1360px;padding:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.grid-2{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
figure{margin:0;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px}figcaption{font-weight:600;margin-bottom:4px}
svg{width:100%;height:auto}.grid{stroke:#eaeef2}.tick{font-size:11px;fill:#57606a}.bar{fill:#1f6feb}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:#57606a}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:right}th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
.ok{color:#1a7f37;font-weight:600}.fail{color:#d1242f;font-weight:600}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:150px}.card b{display:block;font-size:20px}
</style></head><body>
<h1>Drop report</h1>
<p class="meta">Run ${esc(r.runId)} · ${esc(r.generatedAt)} · ${num(o.fans)} clients (${num(o.bots)} bots) for ${num(r.capacity.total)} places · ${esc(o.mode)} mode · ${esc(o.arrival)} arrivals over ${o.arrivalSeconds} s · ${r.target.urls.length} API node(s) · seed ${o.seed}</p>
${verdict}
<p><b>${esc(saleHeadline(r))}</b></p>
<p class="${r.targets.every((t) => t.met) ? 'ok' : 'fail'}">${esc(targetsLine(r.targets))}</p>
${r.faults.map((f) => `<p class="meta">Fault injected: <b>${esc(f.kind)}</b> of ${esc(f.target)} at ${f.atSeconds} s — ${esc(f.detail)}${f.recoveredAfterSeconds !== null ? `; back after ${f.recoveredAfterSeconds} s` : ''}</p>`).join('\n')}
<div class="cards">
<div class="card">tickets sold<b>${num(s.ticketsSold)}</b>of ${num(r.capacity.total)}</div>
<div class="card">${s.soldOut ? 'sold out after' : 'not sold out; last sale at'}<b>${s.soldOut ? s.soldOutSeconds : (s.lastSaleSeconds ?? '–')} s</b>${s.allSold ? 'every place sold' : `${num(s.unsold)} not sold`}${s.theoreticalMinSeconds !== null ? `; minimum ${s.theoreticalMinSeconds} s` : ''}</div>
<div class="card">throughput<b>${s.ticketsPerSecond}/s</b>tickets (${s.ordersPerSecond} orders/s)</div>
<div class="card">fairness ρ<b>${r.fairness.spearman ?? 'n/a'}</b>${esc(r.fairness.mode === 'queue' ? 'join vs ticket number' : 'arrival vs purchase')}</div>
<div class="card">fans / bots success<b>${(r.success.fans.rate * 100).toFixed(1)}% / ${(r.success.bots.rate * 100).toFixed(1)}%</b>${num(r.success.fans.bought)} / ${num(r.success.bots.bought)} buyers</div>
</div>
<h2>Over time</h2><div class="grid-2">${charts.join('')}</div>
<h2>Latency</h2>
<table>${row(['metric', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'mean ms', 'p99 target', ''], true)}${Object.entries(
    r.latency,
  )
    .filter(([, p]) => p.count > 0)
    .map(([m, p]) => {
      const target = r.targets.find((t) => t.name === `${m} p99`);
      const cells = row([m, num(p.count), p.p50, p.p90, p.p99, p.max, p.mean, target?.target ?? '–']).slice(
        0,
        -'</tr>'.length,
      );
      return `${cells}${target ? verdictCell(target.met) : '<td></td>'}</tr>`;
    })
    .join('')}</table>
${
  r.slow.length
    ? `<p>When the slow answers came (seconds from the sale's opening; negative: before it):</p>
<table>${row(['metric', 'over target', 'of', '90% between', 'most in one second'], true)}${r.slow
        .map((s) =>
          row([
            s.metric,
            `${num(s.over)} over ${num(s.targetMs)} ms`,
            num(s.count),
            `${s.fromSecond} s – ${s.toSecond} s`,
            `${num(s.peakOver)} at ${s.peakSecond} s`,
          ]),
        )
        .join('')}</table>`
    : ''
}
<h2>Targets</h2>
<p>Set in <code>tools/simulator/targets.ts</code>; a target missed is a finding, the run's exit code is the audit's.</p>
<table>${row(['figure', 'target', 'measured', '', 'why'], true)}${r.targets
    .map(
      (t) =>
        `<tr><td>${esc(t.name)}</td><td>${esc(t.target)}</td><td>${esc(t.measured)}</td>${verdictCell(t.met)}<td style="text-align:left">${esc(t.why)}</td></tr>`,
    )
    .join('')}</table>
<div class="grid-2" style="margin-top:12px">${histograms.join('')}</div>
<h2>Fairness</h2><p>${esc(r.fairness.note)}</p>
<table>${row(['measure', 'value'], true)}${row(['Spearman ρ', r.fairness.spearman ?? 'n/a'])}${row(['pairs', num(r.fairness.pairs)])}${r.fairness.fifoViolations !== null ? row(['FIFO violations after the draw', `${r.fairness.fifoViolations} of ${num(r.fairness.fifoChecked)}`]) : ''}</table>
<h2>Fans and bots</h2>
<table>${row(['group', 'clients', 'bought', 'success', 'tickets'], true)}${[
    ['fans', r.success.fans] as const,
    ['bots', r.success.bots] as const,
    ...Object.entries(r.success.botsByStyle).map(([k, g]) => [`bots: ${k}`, g] as const),
  ]
    .map(([k, g]) => row([k, num(g.clients), num(g.bought), `${(g.rate * 100).toFixed(1)}%`, num(g.tickets)]))
    .join('')}</table>
<h2>Outcomes</h2>
<table>${row(['outcome', 'clients'], true)}${Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => row([k, num(v)]))
    .join('')}</table>
${
  o.mode === 'queue'
    ? `<h2>How fans waited</h2>
<p>Each API node takes at most ${num(r.waiting.socketsPerNode)} websockets (open-file budget); ${num(r.waiting.socketClients)} clients were given one, the others poll <code>GET …/queue/me</code> (If-None-Match; the first after the draw within the window the server's Retry-After spreads the pre-queue over, then pauses from 5 s near the front to ${r.waiting.pollMaxSeconds} s, from their ETA, ±20% jitter; purchase tokens last ${r.waiting.tokenTtlSeconds} s). Joins were sent ${r.waiting.joinKey ? 'with an Idempotency-Key, as the web page sends them' : 'without an Idempotency-Key (the join is idempotent per account; the web page sends one)'}. Fans ran in ${r.waiting.processes} processes.</p>
<table>${row(['waited', 'fans joined', 'bought', 'latency p50 ms', 'p99 ms'], true)}${row(['on a websocket (push)', num(r.waiting.socketFans.joined), num(r.waiting.socketFans.bought), r.latency.push.p50, r.latency.push.p99])}${row(['by polling (admission → seen)', num(r.waiting.pollingFans.joined), num(r.waiting.pollingFans.bought), r.latency.poll.p50, r.latency.poll.p99])}</table>
<p>${num(r.waiting.polls)} polls: ${num(r.waiting.pollsNotModified)} answered 304, ${num(r.waiting.pollsFailed)} failed.</p>
${awaySection(r)}`
    : ''
}
${
  r.cpu
    ? `<h2>CPU</h2>
<p>CPU used from the opening to the last answer (${r.cpu.seconds} s on ${r.cpu.cores} cores), per kind of process, read from /proc: the simulated crowd runs on the same cores as the servers.</p>
<table>${row(['processes', 'CPU seconds', 'share of the machine'], true)}${r.cpu.groups.map((g) => row([g.group, g.cpuSeconds, `${(g.share * 100).toFixed(1)}%`])).join('')}</table>
<table>${row(['process', 'pid', 'CPU seconds'], true)}${r.cpu.processes.map((p) => row([p.group, p.pid, p.cpuSeconds])).join('')}</table>`
    : ''
}
${
  r.postgres
    ? `<h2>Postgres statements</h2>
<p>From pg_stat_statements over the drop: ${num(Math.round(r.postgres.totalMs / 1000))} s of statement time (lock waits included) in ${num(r.postgres.calls)} calls; the costliest:</p>
<table>${row(['seconds', 'calls', 'mean ms', 'rows', 'statement'], true)}${r.postgres.top
        .map((st) => row([(st.totalMs / 1000).toFixed(1), num(st.calls), st.meanMs, num(st.rows), st.query]))
        .join('')}</table>`
    : ''
}
<h2>Errors by problem code</h2>
<p>Answers the product should not give (timeouts, server errors, refusals no fan caused).</p>
${codeTable(
  r.errors.filter((e) => !e.refusal),
  'None.',
)}
<h2>Refusals by problem code</h2>
<p>Answers a sale gives in its normal course: nothing left, seats someone else took, a declined card, a limit.</p>
${codeTable(
  r.errors.filter((e) => e.refusal),
  'None.',
)}
<h2>Oversell audit (read from Postgres)</h2>
${
  r.audit
    ? `<p>${num(r.audit.totals.ticketsValid)} valid tickets for ${num(r.audit.totals.capacity)} places; ${num(r.audit.totals.ordersPaid)} paid orders; ${num(r.audit.totals.giftCardsChecked)} gift cards checked.</p>
<table>${row(['tier', 'kind', 'capacity', 'sold'], true)}${r.audit.tiers.map((t) => row([t.name, t.kind, num(t.capacity), num(t.sold)])).join('')}</table>`
    : ''
}
<table style="margin-top:12px">${row(['check', 'result', 'violations', 'what it means'], true)}${checks
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td class="${c.ok ? 'ok' : 'fail'}">${c.ok ? 'ok' : 'FAIL'}</td><td>${c.violations}</td><td style="text-align:left">${esc(c.description)}${c.samples.length ? `<br><small>${c.samples.map(esc).join('<br>')}</small>` : ''}</td></tr>`,
    )
    .join('')}</table>
<h2>Run</h2>
<table>${row(['phase', 'seconds'], true)}${row(['setup (deployment, event, seats, gift cards)', r.durations.setupSeconds])}${row([`registration: ${num(r.registration.api)} accounts through the API`, r.durations.registerSeconds])}${r.registration.seeded ? row([`${num(r.registration.seeded.accounts)} accounts seeded in Postgres (one shared scrypt hash, log2 N = ${r.registration.seeded.scryptLogN}; not through the API)`, r.registration.seeded.seconds]) : ''}${row(['drop', r.durations.driveSeconds])}</table>
</body></html>
`;
}

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveHome } from '@tunelab/config';
import type { SweepSummary } from '@tunelab/sweeper';
// Static: @tunelab/sweep is pure TypeScript over @tunelab/config and costs start-up no more than config does.
import { configuredGoal, parameterImportance, trialsWithMetric } from '@tunelab/sweep';
import * as lazy from '../lazy';
import { log, printJson, say, table, UsageError } from '../output';

interface CommonFlags {
  home?: string;
  store?: string;
  json?: boolean;
}

const withCommon = (cmd: Command): Command =>
  cmd
    .option('--home <dir>', 'tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root)')
    .option('--store <url>', 'store URL: a SQLite file, sqlite:<path> or postgres://… (default: <home>/tunelab.db)')
    .option('--json', 'print exactly one JSON document on stdout');

function storeOptions(flags: CommonFlags): { home: string; store?: string } {
  return { home: resolveHome(flags.home), store: flags.store };
}

/** Ctrl-C once: stop trials (resumable); twice: leave at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let presses = 0;
  process.on('SIGINT', () => {
    presses++;
    if (presses === 1) {
      log('\nstopping: running trials are cancelled and can be resumed (Ctrl-C again to quit now)');
      controller.abort();
    } else {
      process.exit(130);
    }
  });
  process.on('SIGTERM', () => controller.abort());
  return controller.signal;
}

/** 0 = the sweep finished (some trials may have failed), 2 = every trial failed. */
function exitCodeOf(summary: SweepSummary): number {
  return summary.status === 'failed' ? 2 : 0;
}

function printSummary(summary: SweepSummary, json: boolean | undefined): void {
  if (json) {
    printJson(summary);
    return;
  }
  const { name } = summary.metric;
  const paramNames = [...new Set(summary.trials.flatMap((t) => Object.keys(t.params)))];
  // Several objectives: the others at the same epoch, and which trials are on the front.
  const others = summary.objectives.slice(1).map((o) => o.name);
  const front = new Set(summary.pareto);
  const multi = others.length > 0;
  const rows = summary.trials.map((t) => [
    t.id,
    t.status,
    ...paramNames.map((p) => fmtValue(t.params[p])),
    t.best.value === null ? '–' : `${fmtValue(t.best.value)} @${t.best.step}`,
    ...others.map((o) => (t.objectives?.[o] == null ? '–' : fmtValue(t.objectives[o]))),
    ...(multi ? [front.has(t.id) ? '*' : ''] : []),
    t.bestCheckpoint ?? '–',
    t.error ? t.error.slice(0, 60) : '',
  ]);
  const head = ['trial', 'status', ...paramNames.map((p) => p.split('.').pop()!), `best ${name}`, ...others.map((o) => `${o} @best`), ...(multi ? ['front'] : []), 'best checkpoint', 'error'];
  say(json, table(head, rows));
  const counts = Object.entries(summary.counts)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  say(json, `\nsweep ${summary.sweepId} (${summary.name}): ${summary.status}; ${counts || 'no trials'}`);
  if (summary.best) say(json, `best trial: ${summary.best.trialId}  ${name} ${fmtValue(summary.best.value)}`);
  if (multi) {
    const goals = summary.objectives.map((o) => `${o.name} ${o.goal}`).join(', ');
    say(json, `pareto front (${goals}): ${summary.pareto.join(', ') || 'none yet'}  (promote one with \`tunelab promote --trial <id>\`)`);
  }
}

function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return JSON.stringify(v);
}


/** `tunelab sweep …` */
export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('run and inspect hyperparameter sweeps');

  withCommon(sweep.command('start').description('create a sweep from a YAML config and run it on this machine (or, with --distributed, on agents)'))
    .requiredOption('--config <file>', 'sweep config (YAML)')
    .option('--parallel <n>', 'worker threads (overrides the config)', (v) => positiveInt(v, '--parallel'))
    .option('--distributed', 'queue the trials for `tunelab sweep agent` on any machine (needs --store postgres://…) and return')
    .option('--wait', 'with --distributed: stay as the sweep\'s controller until it ends, then print its summary')
    .option('--stale-after <seconds>', 'a trial whose heartbeat is older than this is run again elsewhere (default 120)', (v) => positiveInt(v, '--stale-after'))
    .action(async (flags: CommonFlags & { config: string; parallel?: number; distributed?: boolean; wait?: boolean; staleAfter?: number }) => {
      const staleAfterMs = flags.staleAfter === undefined ? undefined : flags.staleAfter * 1000;
      if (flags.distributed) {
        const r = await (await lazy.sweeper()).startDistributedSweep(flags.config, { ...storeOptions(flags), wait: flags.wait, staleAfterMs, signal: interruptSignal() });
        if (r.summary) {
          printSummary(r.summary, flags.json);
          process.exitCode = exitCodeOf(r.summary);
        } else if (flags.json) printJson({ sweepId: r.sweepId, status: r.status });
        else say(false, `sweep ${r.sweepId} ${r.status}: start agents with \`tunelab sweep agent --store <url> --sweep ${r.sweepId}\``);
        return;
      }
      if (flags.wait) throw new UsageError('--wait goes with --distributed');
      const summary = await (await lazy.sweeper()).startSweep(flags.config, { ...storeOptions(flags), parallel: flags.parallel, staleAfterMs, signal: interruptSignal() });
      printSummary(summary, flags.json);
      process.exitCode = exitCodeOf(summary);
    });

  withCommon(sweep.command('agent').description('run trials of distributed sweeps from a PostgreSQL store, on this machine'))
    .option('--sweep <id>', 'serve only this sweep (default: every unfinished distributed sweep)')
    .option('--parallel <n>', 'trials at once on this machine (default 1)', (v) => positiveInt(v, '--parallel'))
    .option('--exit-when-done', 'exit once the sweep(s) served are finished')
    .option('--stale-after <seconds>', 'a trial whose heartbeat is older than this is taken over (default 120)', (v) => positiveInt(v, '--stale-after'))
    .action(async (flags: CommonFlags & { sweep?: string; parallel?: number; exitWhenDone?: boolean; staleAfter?: number }) => {
      if (!flags.store) throw new UsageError('sweep agent: --store postgres://… is required');
      const report = await (await lazy.sweeper()).runAgent({
        store: flags.store,
        home: resolveHome(flags.home),
        sweepId: flags.sweep,
        parallel: flags.parallel,
        exitWhenDone: flags.exitWhenDone,
        staleAfterMs: flags.staleAfter === undefined ? undefined : flags.staleAfter * 1000,
        signal: interruptSignal(),
      });
      if (flags.json) printJson(report);
      else say(false, `agent ${report.agent} ${report.reason}: ran ${report.trials.length} trials${report.trials.length ? ` (${report.trials.map((t) => `${t.id} ${t.status}`).join(', ')})` : ''}`);
    });

  withCommon(sweep.command('resume <id>').description('continue a sweep: interrupted trials restart from their last checkpoint'))
    .option('--parallel <n>', 'worker threads (overrides the config)', (v) => positiveInt(v, '--parallel'))
    .option('--wait', 'distributed sweeps: stay as the controller until the sweep ends')
    .option('--stale-after <seconds>', 'a trial whose heartbeat is older than this is run again (default 120)', (v) => positiveInt(v, '--stale-after'))
    .action(async (id: string, flags: CommonFlags & { parallel?: number; wait?: boolean; staleAfter?: number }) => {
      const staleAfterMs = flags.staleAfter === undefined ? undefined : flags.staleAfter * 1000;
      const summary = await (await lazy.sweeper()).resumeSweep(id, { ...storeOptions(flags), parallel: flags.parallel, wait: flags.wait, staleAfterMs, signal: interruptSignal() });
      printSummary(summary, flags.json);
      process.exitCode = exitCodeOf(summary);
    });

  withCommon(sweep.command('status [id]').description('a sweep\'s trials and best result (default: the latest sweep)')).action(
    async (id: string | undefined, flags: CommonFlags) => {
      const store = await (await lazy.sweeper()).openStoreFor(storeOptions(flags), true);
      try {
        const sweepId = id ?? (await store.listSweeps({ limit: 1 }))[0]?.id;
        if (!sweepId) throw new UsageError('no sweeps yet: start one with `tunelab sweep start --config <file>`');
        printSummary(await (await lazy.sweeper()).summarizeSweep(store, sweepId), flags.json);
      } finally {
        await store.close();
      }
    },
  );

  withCommon(sweep.command('list').description('every sweep in the store, newest first')).action(async (flags: CommonFlags) => {
    const store = await (await lazy.sweeper()).openStoreFor(storeOptions(flags), true);
    try {
      const sweeps = await store.listSweeps();
      const rows = await Promise.all(
        sweeps.map(async (s) => ({ id: s.id, name: s.name, status: s.status, method: s.method, metric: s.metricName, trials: await store.countTrials(s.id), createdAt: new Date(s.createdAt).toISOString() })),
      );
      if (flags.json) printJson({ sweeps: rows });
      else
        say(
          false,
          table(
            ['id', 'name', 'status', 'method', 'metric', 'trials', 'created'],
            rows.map((r) => [r.id, r.name, r.status, r.method, r.metric, Object.values(r.trials).reduce((a, b) => a + b, 0), r.createdAt]),
          ),
        );
    } finally {
      await store.close();
    }
  });

  withCommon(sweep.command('cancel <id>').description('cancel a sweep; a sweeper running it stops its trials within seconds')).action(
    async (id: string, flags: CommonFlags) => {
      const row = await (await lazy.sweeper()).cancelSweep(id, storeOptions(flags));
      if (flags.json) printJson({ sweepId: row.id, status: row.status });
      else say(false, `sweep ${row.id} cancelled (resume it with \`tunelab sweep resume ${row.id}\`)`);
    },
  );

  withCommon(sweep.command('retry-failed <id>').description('queue failed trials again; run them with `sweep resume` (distributed: agents run them)')).action(
    async (id: string, flags: CommonFlags) => {
      const ids = await (await lazy.sweeper()).retryFailed(id, storeOptions(flags));
      if (flags.json) printJson({ sweepId: id, queued: ids });
      else say(false, ids.length ? `queued again: ${ids.join(', ')}; run \`tunelab sweep resume ${id}\`` : 'no failed trials');
    },
  );

  withCommon(sweep.command('delete <id>').description('delete a sweep, its trials, metrics and checkpoints (not while it runs)'))
    .option('--force', 'delete even when an alias (champion …) points at one of its checkpoints; the alias history keeps what it pointed to')
    .action(async (id: string, flags: CommonFlags & { force?: boolean }) => {
      const result = await (await lazy.sweeper()).deleteSweep(id, storeOptions(flags), { force: flags.force === true });
      for (const a of result.aliasesRemoved) process.stderr.write(`tunelab: alias ${a} pointed into sweep ${id}; it points at nothing now (see its history)\n`);
      if (flags.json) printJson({ sweepId: id, deleted: true, ...result });
      else say(false, `deleted sweep ${id} and ${result.checkpointDirs} checkpoint folders`);
    });

  withCommon(sweep.command('export <id>').description('trials, parameters and metrics as CSV or JSON'))
    .option('--format <format>', 'csv | json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (id: string, flags: CommonFlags & { format: string; out?: string }) => {
      if (flags.format !== 'csv' && flags.format !== 'json') throw new UsageError(`--format: expected csv or json, got ${JSON.stringify(flags.format)}`);
      const store = await (await lazy.sweeper()).openStoreFor(storeOptions(flags), true);
      try {
        const text = await (await lazy.sweeper()).exportSweep(store, id, flags.format);
        if (flags.out) {
          await writeFile(flags.out, text);
          log(`wrote ${flags.out}`);
        } else process.stdout.write(text);
      } finally {
        await store.close();
      }
    });

  withCommon(sweep.command('importance <id>').description("what mattered: each parameter's importance for a metric over the completed trials (PED-ANOVA)"))
    .option('--metric <name>', 'the metric to explain (default: the sweep metric)')
    .option('--goal <goal>', 'minimize | maximize (default: the goal the sweep config gives the metric, else minimize)')
    .action(async (id: string, flags: CommonFlags & { metric?: string; goal?: string }) => {
      if (flags.goal !== undefined && flags.goal !== 'minimize' && flags.goal !== 'maximize') {
        throw new UsageError(`--goal: expected minimize or maximize, got ${JSON.stringify(flags.goal)}`);
      }
      const sweeper = await lazy.sweeper();
      const store = await sweeper.openStoreFor(storeOptions(flags), true);
      try {
        const row = await sweeper.requireSweep(store, id);
        const metric = flags.metric ?? row.metricName;
        const goal = flags.goal ?? configuredGoal(row.config, metric) ?? (metric === row.metricName ? row.metricGoal : 'minimize');
        // As GET /api/sweeps/:id/importance: the sweep metric is each trial's best value, another metric is
        // read at that best step, and a metric no trial reported is a mistake rather than "too few trials".
        let series: Record<string, { step: number; value: number }[]> = {};
        if (metric !== row.metricName) {
          series = await store.getMetricSeries({ name: metric, sweepId: row.id });
          if (!Object.values(series).some((points) => points.length > 0) && configuredGoal(row.config, metric) === undefined) {
            throw new UsageError(`--metric: no trial of sweep ${row.id} reported ${JSON.stringify(metric)} (the sweep's metric is ${row.metricName})`);
          }
        }
        const trials = await store.listTrials(row.id, { status: 'completed' });
        const result = parameterImportance(row.config.parameters, trialsWithMetric(trials, metric, row.metricName, series), { name: metric, goal });
        if (flags.json) {
          printJson(result);
          return;
        }
        say(false, `${result.metric} (${result.goal}) over ${result.trials} completed trials of sweep ${row.id}, by PED-ANOVA`);
        if (result.reason) {
          say(false, result.reason);
          return;
        }
        // Bars scale to the shares (40 marks = importance 1), so two runs' charts compare by eye.
        say(false, table(['param', 'importance', ''], result.importances.map((x) => [x.param, x.importance.toFixed(3), '▇'.repeat(Math.round(x.importance * 40))])));
      } finally {
        await store.close();
      }
    });
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

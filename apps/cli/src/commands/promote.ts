import type { Command } from 'commander';
import { resolveHome } from '@tunelab/config';
import { DEFAULT_ALIAS } from '../defaults';
import * as lazy from '../lazy';
import { printJson, say, UsageError } from '../output';
import { registerCheckpointFolder, type RegisteredCheckpoint } from './register-checkpoint';

interface PromoteFlags {
  home?: string;
  store?: string;
  alias: string;
  note?: string;
  sweep?: string;
  best?: boolean;
  bestBy?: string;
  trial?: string;
  checkpoint?: string;
  json?: boolean;
}

/**
 * `tunelab promote <checkpoint-id>`, `tunelab promote --sweep <id> --best` or `tunelab promote --trial <id>`:
 * points an alias (default champion) at a checkpoint, so `tunelab generate --model champion` uses it. `--best`
 * is best by the sweep's first objective; `--trial` takes any trial's best checkpoint (the same rule), e.g.
 * another member of a multi-objective sweep's front. `--best-by listen_rating` takes instead the checkpoint
 * with the highest blind-listening rating (Bradley–Terry, from `tunelab listen` and the listen page's votes).
 * `--checkpoint <dir>` takes a checkpoint folder written by `tunelab train` (no sweep): it is verified,
 * registered in the store as a one-trial sweep (see ./register-checkpoint; the same folder again reuses the
 * rows) and promoted through the same path as a checkpoint id.
 */
export function registerPromoteCommands(program: Command): void {
  program
    .command('promote [checkpoint-id]')
    .description('Point an alias (default champion) at a checkpoint; with --sweep <id> --best, at the best trial’s best checkpoint; with --trial <id>, at that trial’s')
    .option('--alias <name>', 'alias to move', DEFAULT_ALIAS)
    .option('--note <text>', 'why this checkpoint (kept in the alias history)')
    .option('--sweep <id>', 'pick from this sweep (with --best)')
    .option('--best', "the sweep's best trial by its (first) metric, and that trial's best checkpoint")
    .option('--best-by <what>', "with --sweep: the sweep's metric (default) or listen_rating (the best-rated checkpoint by blind listening)")
    .option('--trial <id>', "this trial's best checkpoint (by the sweep's first metric), e.g. a member of the Pareto front")
    .option('--checkpoint <dir>', 'a checkpoint folder from tunelab train (<home>/checkpoints/<run-id>/epoch-<n>): register it in the store, then promote it')
    .option('--home <dir>', 'tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root)')
    .option('--store <url>', 'store URL: a SQLite file, sqlite:<path> or postgres://… (default: <home>/tunelab.db)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (checkpointId: string | undefined, flags: PromoteFlags) => {
      const ways = [checkpointId !== undefined, flags.sweep !== undefined, flags.trial !== undefined, flags.checkpoint !== undefined].filter(Boolean).length;
      if (ways > 1) throw new UsageError('promote: give one of a checkpoint id, --sweep <id> --best, --trial <id> or --checkpoint <dir>');
      // A folder that is not a checkpoint is refused before the store is opened (the error names the file).
      const folderMeta = flags.checkpoint !== undefined ? await (await lazy.model()).verifyCheckpoint(flags.checkpoint) : null;
      if (!checkpointId && !folderMeta && !flags.trial && !(flags.sweep && (flags.best || flags.bestBy !== undefined))) throw new UsageError('promote: give a checkpoint id, or --sweep <id> --best, or --trial <id>, or --checkpoint <dir>');
      if (flags.bestBy !== undefined && flags.sweep === undefined) throw new UsageError('promote: --best-by goes with --sweep <id>');
      const [{ bestCheckpointOf, modelTestLoss, promoteCheckpoint, sweepRatings }, { openStore }] = await Promise.all([lazy.dashboard(), lazy.store()]);
      const store = await openStore(flags.store ?? { home: resolveHome(flags.home) });
      try {
        let bestByListening = false;
        if (flags.bestBy !== undefined && flags.bestBy !== 'listen_rating') {
          const sweep = await store.getSweep(flags.sweep!);
          if (sweep && flags.bestBy !== sweep.metricName) {
            throw new UsageError(`promote: --best-by takes the sweep's metric (${sweep.metricName}) or listen_rating, but got ${JSON.stringify(flags.bestBy)}`);
          }
        } else if (flags.bestBy === 'listen_rating') {
          bestByListening = true;
        }
        const listened = async (): Promise<string> => {
          if (!(await store.getSweep(flags.sweep!))) throw new UsageError(`promote: no sweep ${flags.sweep}`);
          const { ratings } = await sweepRatings(store, flags.sweep!);
          // Best first; a checkpoint retention deleted cannot be promoted, so the best one still there.
          for (const r of ratings) {
            const c = r.checkpointId ? await store.getCheckpoint(r.checkpointId) : null;
            if (c && c.deletedAt === null) return c.id;
          }
          throw new UsageError(`promote: sweep ${flags.sweep} has no rated checkpoint yet; vote first (tunelab listen --sweep ${flags.sweep}, or the dashboard's listen page)`);
        };
        let registered: RegisteredCheckpoint | null = null;
        if (folderMeta) registered = await registerCheckpointFolder(store, flags.checkpoint!, folderMeta);
        const id =
          registered?.checkpoint.id ??
          checkpointId ??
          (flags.trial !== undefined
            ? (await (await lazy.sweeper()).trialCheckpointOf(store, flags.trial)).id
            : bestByListening
              ? await listened()
              : (await bestCheckpointOf(store, flags.sweep!)).id);
        const r = await promoteCheckpoint(store, { checkpointId: id, alias: flags.alias, note: flags.note }, { testLoss: modelTestLoss });
        if (flags.json) {
          printJson({
            alias: r.alias,
            trialId: r.trialId,
            sweepId: r.sweepId,
            testLoss: r.testLoss,
            testLossNote: r.testLossNote,
            ...(registered ? { registered: { checkpointId: registered.checkpoint.id, path: registered.checkpoint.path, createdSweep: registered.createdSweep, createdCheckpoint: registered.createdCheckpoint } } : {}),
          });
        } else {
          if (registered) {
            say(false, `${registered.createdCheckpoint ? 'registered' : 'already registered'} ${registered.checkpoint.path} as ${registered.checkpoint.id} (sweep ${registered.sweepId})`);
          }
          say(false, `${r.alias.alias} v${r.alias.version} → ${r.alias.checkpointId} (trial ${r.trialId ?? '?'}, epoch ${r.checkpoint.epoch})`);
          say(false, `test loss: ${r.testLoss === null ? r.testLossNote : `${r.testLoss.toFixed(4)} nats/symbol`}`);
        }
      } finally {
        await store.close();
      }
    });
}

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { resolveHome } from '@tunelab/config';
import * as lazy from '../lazy';
import { printJson, say, UsageError } from '../output';
import { meterFlag } from './generate';

interface ListenFlags {
  sweep: string;
  home?: string;
  store?: string;
  meter?: string;
  voter?: string;
  json?: boolean;
}

const ANSWERS: Record<string, 'left' | 'right' | 'same'> = { l: 'left', left: 'left', r: 'right', right: 'right', s: 'same', same: 'same' };

/** Reads answers line by line until one is l/r/s (or left/right/same); null when stdin ends first. */
async function askVerdict(question: string, json: boolean | undefined): Promise<'left' | 'right' | 'same' | null> {
  // Under --json the question goes to stderr, so stdout stays one document.
  const out = json ? process.stderr : process.stdout;
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    out.write(question);
    for await (const line of rl) {
      const answer = ANSWERS[line.trim().toLowerCase()];
      if (answer) return answer;
      out.write(`please answer l, r or s. ${question}`);
    }
    return null;
  } finally {
    rl.close();
  }
}

/**
 * `tunelab listen --sweep <id>`: blind listening without a browser. It asks the dashboard's API, in process
 * (the same pair choice, sampler and human tunes as the listen page), for the next pair, writes it as
 * left/right .abc and (through abc2midi, when installed) .mid files in a temp folder, asks which is better to
 * hear, records the vote, and only then says who wrote which.
 */
export function registerListenCommands(program: Command): void {
  program
    .command('listen')
    .description('Judge two tunes blind (two checkpoints of a sweep, or one and the held-out human tunes): writes .mid/.abc files, asks which is better to hear, records the vote')
    .requiredOption('--sweep <id>', 'the sweep whose checkpoints to compare')
    .option('--meter <meter>', "both tunes' meter, e.g. 6/8 (default: the sweep's most common training meter, else 6/8)")
    .option('--voter <name>', 'who is voting (kept with the vote)')
    .option('--home <dir>', 'tunelab home folder (default: TUNELAB_HOME, else .tunelab at the workspace root)')
    .option('--store <url>', 'store URL: a SQLite file, sqlite:<path> or postgres://… (default: <home>/tunelab.db)')
    .option('--json', 'print the pair, the files and the vote as one JSON document at the end')
    .action(async (flags: ListenFlags) => {
      const meter = await meterFlag(flags.meter);
      const [{ buildApp }, { openStore }, { findAbc2midi }] = await Promise.all([lazy.dashboard(), lazy.store(), lazy.evaluation()]);
      const store = await openStore(flags.store ?? { home: resolveHome(flags.home) });
      const app = await buildApp({ reader: store, writer: async () => store, uiDir: null });
      try {
        const query = new URLSearchParams({ sweep: flags.sweep, ...(meter ? { meter } : {}) });
        const pairReply = await app.inject(`/api/listen/pair?${query}`);
        const pair = pairReply.json();
        if (pairReply.statusCode !== 200) throw new UsageError(`listen: ${pair.error ?? pairReply.body}`);

        const dir = mkdtempSync(join(tmpdir(), 'tunelab-listen-'));
        const files: string[] = [];
        const abc2midi = await findAbc2midi();
        for (const side of ['left', 'right'] as const) {
          const abcFile = join(dir, `${side}.abc`);
          await writeFile(abcFile, pair[side].abc.endsWith('\n') ? pair[side].abc : `${pair[side].abc}\n`);
          files.push(abcFile);
          if (abc2midi) {
            const midFile = join(dir, `${side}.mid`);
            // abc2midi exits non-zero on warnings it still writes through; the file is what counts.
            await promisify(execFile)(abc2midi, [abcFile, '-o', midFile], { timeout: 30_000 }).catch(() => undefined);
            files.push(midFile);
          }
        }
        say(flags.json, `pair in ${pair.meter} written to ${dir}:`);
        for (const file of files) say(flags.json, `  ${file}`);
        if (!abc2midi) say(flags.json, 'abc2midi is not installed, so no .mid files: play the .abc files (or install abcmidi)');

        const verdict = await askVerdict('which is better to hear? [l]eft / [r]ight / [s]ame ', flags.json);
        if (verdict === null) throw new UsageError('listen: no answer (stdin ended); no vote recorded');
        const voteReply = await app.inject({
          method: 'POST',
          url: '/api/votes',
          payload: { left: pair.left.id, right: pair.right.id, verdict, ...(flags.voter ? { voter: flags.voter } : {}) },
        });
        const vote = voteReply.json();
        if (voteReply.statusCode !== 200) throw new UsageError(`listen: ${vote.error ?? voteReply.body}`);
        const name = (s: { human: boolean; player: string; trialId: string | null }) => (s.human ? `the human tunes (${s.player})` : `checkpoint ${s.player}${s.trialId ? ` (trial ${s.trialId})` : ''}`);
        if (flags.json) {
          printJson({ dir, files, meter: pair.meter, vote: vote.vote, left: vote.left, right: vote.right });
        } else {
          say(false, `recorded ${verdict} (vote ${vote.vote.id})`);
          say(false, `left:  ${name(vote.left)}`);
          say(false, `right: ${name(vote.right)}`);
        }
      } finally {
        await app.close();
        await store.close();
      }
    });
}

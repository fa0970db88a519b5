import { runAgent } from '@tunelab/sweeper';

/**
 * `node --import tsx skewed-agent.ts <store-url> <sweep-id> <home> <clock-offset-ms> <stale-after-ms>`: a `sweep agent` in its
 * own process whose clock runs <clock-offset-ms> off the true time (AgentOptions.testClockOffsetMs), for
 * test/hostile/heartbeat-clock.test.ts. Prints its report as JSON when it leaves.
 */
const [url, sweepId, home, offset, staleAfter] = process.argv.slice(2);
const report = await runAgent({ store: url, home, sweepId, exitWhenDone: true, staleAfterMs: Number(staleAfter), tickMs: 500, quiet: true, testClockOffsetMs: Number(offset) });
process.stdout.write(`${JSON.stringify(report)}\n`);

/**
 * Child-process server for one engine of `npm run bench -- train`. Protocol on stdout, one line each, prefixed
 * `@@ ` (tfjs may print its own banner): `{"ready":true,"params":…}` after two warm-up steps, then for each stdin
 * line `N` → `{"ms":[…],"loss":…}`, and `profile N` → `{"profile":{op: ms per step}}`.
 */
import { createInterface } from 'node:readline';
import { makeEngine, type EngineName } from './engines';

const name = process.argv[2] as EngineName;
// Threads for the fused step's native kernels (argv[3], default 1).
const threads = Number(process.argv[3] ?? 1);
const reply = (o: unknown) => process.stdout.write(`@@ ${JSON.stringify(o)}\n`);

const engine = await makeEngine(name, threads);
const warmups = name === 'fused' || name === 'fused-step' ? 2 : 1;
for (let i = 0; i < warmups; i++) engine.step();
reply({ ready: true, params: engine.params });

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'profile') {
    reply({ profile: engine.profile ? engine.profile(Number(arg) || 3) : null });
  } else if (cmd) {
    const ms: number[] = [];
    let loss = NaN;
    for (let i = 0; i < Number(cmd); i++) {
      const r = engine.step();
      ms.push(r.ms);
      loss = r.loss;
    }
    reply({ ms, loss });
  }
}

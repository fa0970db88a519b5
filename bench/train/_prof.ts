import { tf } from '../../packages/model/src/tf';
import { makeEngine } from './engines';
const e = await makeEngine('fused');
e.step(); e.step();
const info = await tf.profile(() => { e.step(); });
const agg = new Map<string, number>();
for (const k of info.kernels) agg.set(k.name, (agg.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.error([...agg].sort((a,b)=>b[1]-a[1]).slice(0,15).map(([n,ms])=>`${n} ${ms.toFixed(1)}`).join('\n'));
for (let i=0;i<3;i++) console.error(e.step().ms.toFixed(0));

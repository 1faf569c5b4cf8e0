import { readdirSync } from 'node:fs';
import { summarizeProfileFile } from './bench/profile-summary.ts';

const f = readdirSync('/tmp/prof')[0];
const s = await summarizeProfileFile('/tmp/prof/' + f, 40);
for (const x of s.modules.slice(0, 15)) console.log('M', x.percent.toFixed(1), x.name);
for (const x of s.functions) console.log('F', x.percent.toFixed(1), x.name);

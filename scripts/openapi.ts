// `npm run openapi`: writes docs/api/openapi.json from the account API's route table
// (src/account/api/route-table.ts). `npm run openapi -- --check` only says whether the file
// is current; test/api/openapi.test.ts checks the same in `npm test`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiText } from '../src/account/api/openapi.ts';

const file = fileURLToPath(new URL('../docs/api/openapi.json', import.meta.url));
const text = openApiText();
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('docs/api/openapi.json is not what the route table gives: run `npm run openapi`');
    process.exit(1);
  }
  console.log('docs/api/openapi.json is current');
} else {
  writeFileSync(file, text);
  console.log('wrote docs/api/openapi.json');
}

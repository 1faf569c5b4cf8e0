import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peopleMarkdown, peopleMisses, runPeopleBenchmark, splicePeopleSection } from './people.ts';

test('the PEOPLE workload measures every query on a small account and renders its section', async () => {
  const result = await runPeopleBenchmark({
    members: 300,
    repeats: 2,
    database: 'sqlite',
    postgresUrl: '',
    log: () => {},
  });
  assert.equal(result.queries.length, 14);
  const byLabel = new Map(result.queries.map((q) => [q.label, q]));
  assert.equal(byLabel.get('first page')!.returned, 50);
  assert.equal(byLabel.get('search "xq" (no match)')!.returned, 0);
  assert.equal(byLabel.get('search "maria" (a first name)')!.returned, 9);
  assert.ok(result.queries.every((q) => q.maxMs >= q.medianMs));
  assert.deepEqual(peopleMisses({ ...result, queries: [{ ...result.queries[0]!, maxMs: 101 }] }).length, 1);
  const document = splicePeopleSection('# Benchmarks\n', peopleMarkdown([result]));
  assert.match(document, /## Administrators' people list/);
  assert.equal(splicePeopleSection(document, peopleMarkdown([result])), document);
});

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger, RecentLogLines, scrubSecrets } from './logging.ts';

const TOKEN = `sbt_${'a1B2'.repeat(10)}xyz`;
const MONITORING = `sbm_${'Zz9-'.repeat(10)}abc`;
const SESSION = `sbs_${'q_W3'.repeat(10)}rst`;

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return {
    lines,
    stream: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  };
}

describe('logging', () => {
  test('token-shaped text is scrubbed wherever it appears; ordinary words are left alone', () => {
    assert.equal(scrubSecrets(`GET /x?token=${TOKEN}&a=1`), 'GET /x?token=sbt_[redacted]&a=1');
    assert.equal(scrubSecrets(`${MONITORING} ${SESSION}`), 'sbm_[redacted] sbs_[redacted]');
    assert.equal(scrubSecrets('sbt_short and sbtotal'), 'sbt_short and sbtotal');
  });

  test('redacted fields and scrubbed messages, in stdout and in the recent lines alike', () => {
    const out = capture();
    const recent = new RecentLogLines();
    const logger = createLogger({ level: 'info', format: 'json', destination: out.stream, recent });
    logger.info(
      { headers: { authorization: `Bearer ${TOKEN}`, cookie: `s=${SESSION}` }, password: 'hunter22' },
      'one',
    );
    logger.warn({ url: `/scim/v2/Users/${TOKEN}` }, `failed for ${MONITORING}`);
    assert.equal(out.lines.length, 2);
    assert.deepEqual(
      recent.snapshot(),
      out.lines.map((line) => line.trimEnd()),
    );
    for (const line of out.lines) {
      for (const secret of [TOKEN, MONITORING, SESSION, 'hunter22']) assert.ok(!line.includes(secret), line);
    }
    const first = JSON.parse(out.lines[0]!);
    assert.equal(first.headers.authorization, '[redacted]');
    assert.equal(first.headers.cookie, '[redacted]');
  });

  test('the recent lines are bounded by count and by bytes, oldest dropped first', () => {
    const byCount = new RecentLogLines(3, 1_000_000);
    for (let i = 0; i < 10; i++) byCount.push(`{"n":${i}}\n`);
    assert.deepEqual(byCount.snapshot(), ['{"n":7}', '{"n":8}', '{"n":9}']);
    const byBytes = new RecentLogLines(1000, 25);
    for (let i = 0; i < 10; i++) byBytes.push(`{"n":${i},"pad":"xx"}`);
    assert.deepEqual(byBytes.snapshot(), ['{"n":9,"pad":"xx"}']);
    assert.equal(byBytes.size, 1);
  });

  test('pretty format is readable text for people, while the recent lines stay JSON', async () => {
    const recent = new RecentLogLines();
    const out = capture();
    const logger = createLogger({ level: 'info', format: 'pretty', destination: out.stream, recent });
    logger.info({ op: 'users.list' }, `hello ${TOKEN}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = out.lines.join('');
    assert.match(text, /INFO/);
    assert.match(text, /hello sbt_\[redacted\]/);
    assert.throws(() => JSON.parse(text.trim()));
    assert.equal(JSON.parse(recent.snapshot()[0]!).msg, 'hello sbt_[redacted]');
  });
});

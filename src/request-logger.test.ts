import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { createLogger } from './logging.ts';
import { lazyRequestLogger } from './request-logger.ts';

async function serve(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level, format: 'json', destination });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: lazyRequestLogger,
    disableRequestLogging: true,
  });
  app.get('/quiet', async () => 'ok');
  app.get('/loud', async (request) => {
    request.log.warn({ password: 'hunter2', who: 'ada' }, 'something to see');
    request.log.debug('below the level');
    request.log.child({ step: 'inner' }).info('from a child');
    return 'ok';
  });
  await app.ready();
  return { app, lines };
}

test("a request's log lines carry its request id, redacted as before; a request that logs nothing writes nothing", async () => {
  const { app, lines } = await serve('info');
  try {
    assert.equal((await app.inject('/quiet')).statusCode, 200);
    assert.equal(lines.length, 0);

    assert.equal((await app.inject('/loud')).statusCode, 200);
    assert.equal(lines.length, 2);
    const [warning, inner] = lines;
    assert.equal(warning!.msg, 'something to see');
    assert.equal(warning!.level, 40);
    assert.equal(warning!.password, '[redacted]');
    assert.equal(warning!.who, 'ada');
    assert.match(String(warning!.reqId), /.+/);
    assert.equal(inner!.msg, 'from a child');
    assert.equal(inner!.step, 'inner');
    assert.equal(inner!.reqId, warning!.reqId);
  } finally {
    await app.close();
  }
});

test('the level of the server logger decides, as for an eager child', async () => {
  const { app, lines } = await serve('error');
  try {
    await app.inject('/loud');
    assert.equal(lines.length, 0);
  } finally {
    await app.close();
  }
});

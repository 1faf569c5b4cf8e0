/**
 * The channel registry on real WebSockets: answers pair with their messages, shutdown lets
 * the messages under way finish (and refuses new ones without running them), and a bridge
 * cannot pile up more than the limit of messages.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { type ChannelHandlers, createChannelRegistry } from './channel.ts';
import { CHANNEL_MAX_IN_FLIGHT, watchChannelLiveness } from './protocol.ts';

const quiet = { warn() {} } as unknown as FastifyBaseLogger;
const servers: http.Server[] = [];

after(() => {
  for (const server of servers) server.close();
});

/** A registry behind a real WebSocket server; `run` decides each batch's answer. */
async function serve(run: ChannelHandlers['run'], expiresAtMs = Date.now() + 60_000) {
  const registry = createChannelRegistry();
  const server = http.createServer();
  servers.push(server);
  const wss = new WebSocketServer({ server });
  const answered: number[] = [];
  wss.on('connection', (socket) =>
    registry.serve(
      socket,
      {
        admit: async () => {},
        run,
        refusal: () => ({ status: 500, body: { code: 'internal_error', message: 'failed' } }),
        expiresAtMs,
        answered: (status) => answered.push(status),
      },
      quiet,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise((resolve) => socket.once('open', resolve));
  const answers = new Map<number, { status: number; body: unknown }>();
  const waiters = new Map<number, () => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    answers.set(message.id, { status: message.status, body: message.body });
    waiters.get(message.id)?.();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return {
    registry,
    socket,
    closed,
    answers,
    answered,
    send: (id: number, calls: unknown = [{ method: 'GET', path: '/sign-ups/count' }]) =>
      socket.send(JSON.stringify({ id, calls })),
    answer: (id: number) =>
      new Promise<{ status: number; body: unknown }>((resolve) => {
        const known = answers.get(id);
        if (known) resolve(known);
        else waiters.set(id, () => resolve(answers.get(id)!));
      }),
  };
}

/** A `run` whose batches wait until `release()`; `runs()` counts the batches started. */
function heldRun() {
  let release = () => {};
  let runs = 0;
  const run: ChannelHandlers['run'] = () => {
    runs++;
    return new Promise((resolve) => {
      release = () => resolve({ status: 200, json: '{"results":[]}' });
    });
  };
  return { run, release: () => release(), runs: () => runs };
}

test('each answer carries its message id, in the order the work finishes', async () => {
  const releases = new Map<string, () => void>();
  const channel = await serve(
    (calls) =>
      new Promise((resolve) => {
        const name = (calls as Array<{ path: string }>)[0]!.path;
        releases.set(name, () =>
          resolve({ status: 200, json: JSON.stringify({ results: [{ status: 200, body: name }] }) }),
        );
      }),
  );
  channel.send(1, [{ method: 'GET', path: 'first' }]);
  channel.send(2, [{ method: 'GET', path: 'second' }]);
  while (releases.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  releases.get('second')!();
  assert.deepEqual(await channel.answer(2), {
    status: 200,
    body: { results: [{ status: 200, body: 'second' }] },
  });
  assert.equal(channel.answers.has(1), false);
  releases.get('first')!();
  assert.deepEqual((await channel.answer(1)).body, { results: [{ status: 200, body: 'first' }] });
  channel.socket.close();
});

test('shutdown answers the messages under way, refuses new ones unrun, then closes with 1001', async () => {
  const { run, release, runs } = heldRun();
  const channel = await serve(run);
  channel.send(1);
  while (runs() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
  const drained = channel.registry.drain(5000);
  channel.send(2);
  const refused = await channel.answer(2);
  assert.equal(refused.status, 503);
  assert.match((refused.body as { message: string }).message, /not run/);
  assert.equal(runs(), 1);
  assert.equal(channel.answers.has(1), false);
  release();
  assert.equal((await channel.answer(1)).status, 200);
  await drained;
  assert.equal(await channel.closed, 1001);
});

test(`past ${CHANNEL_MAX_IN_FLIGHT} messages under way, the next is answered unrun and the others finish`, async () => {
  let runs = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const channel = await serve(async () => {
    runs++;
    await released;
    return { status: 200, json: '{"results":[]}' };
  });
  for (let id = 1; id <= CHANNEL_MAX_IN_FLIGHT; id++) channel.send(id);
  while (runs < CHANNEL_MAX_IN_FLIGHT) await new Promise((resolve) => setTimeout(resolve, 5));
  channel.send(CHANNEL_MAX_IN_FLIGHT + 1);
  const refused = await channel.answer(CHANNEL_MAX_IN_FLIGHT + 1);
  assert.equal(refused.status, 503);
  assert.match((refused.body as { message: string }).message, /not run/);
  assert.equal(runs, CHANNEL_MAX_IN_FLIGHT);
  release();
  assert.equal((await channel.answer(CHANNEL_MAX_IN_FLIGHT)).status, 200);
  assert.equal(channel.socket.readyState, WebSocket.OPEN);
  channel.socket.close();
});

test('when the session expires, the messages under way are answered, later ones refused unrun, then 1008', async () => {
  const { run, release, runs } = heldRun();
  const channel = await serve(run, Date.now() + 150);
  channel.send(1);
  await new Promise((resolve) => setTimeout(resolve, 250)); // past the session's end
  channel.send(2);
  const refused = await channel.answer(2);
  assert.deepEqual([refused.status, (refused.body as { code: string }).code], [401, 'api_session_invalid']);
  assert.equal(runs(), 1);
  release();
  assert.equal((await channel.answer(1)).status, 200);
  assert.equal(await channel.closed, 1008);
});

test('a channel opened while the server shuts down is closed at once', async () => {
  const registry = createChannelRegistry();
  await registry.drain(100);
  const closes: Array<[number, string]> = [];
  const socket = { close: (code: number, reason: string) => closes.push([code, reason]) };
  registry.serve(socket as unknown as WebSocket, {} as ChannelHandlers, quiet);
  assert.deepEqual(closes, [[1001, 'the account server is shutting down']]);
});

test('a failing batch is answered with the refusal, and the channel stays open', async () => {
  let fail = true;
  const channel = await serve(async () => {
    if (fail) throw new Error('boom');
    return { status: 200, json: '{"results":[]}' };
  });
  channel.send(1);
  assert.deepEqual(await channel.answer(1), {
    status: 500,
    body: { code: 'internal_error', message: 'failed' },
  });
  fail = false;
  channel.send(2);
  assert.equal((await channel.answer(2)).status, 200);
  assert.deepEqual(channel.answered, [500, 200]);
  channel.socket.close();
});

test('liveness: a peer that answers pings stays, one that stops answering is cut off', async () => {
  const events: string[] = [];
  let onPong = () => {};
  let answering = true;
  const socket = {
    ping() {
      events.push('ping');
      if (answering) setImmediate(() => onPong());
    },
    terminate() {
      events.push('terminate');
    },
    on(_event: 'pong', listener: () => void) {
      onPong = listener;
    },
  };
  // Polled with a generous deadline, not slept: on a loaded machine 10 ms timers fire late.
  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!done()) {
      if (Date.now() > deadline) assert.fail(`${what}: ${events.join()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const stop = watchChannelLiveness(socket, 10);
  await until(() => events.filter((event) => event === 'ping').length >= 3, 'three pings');
  assert.equal(events.includes('terminate'), false, 'a peer that answers stays');
  answering = false;
  await until(() => events.includes('terminate'), 'the silent peer is cut off');
  stop();
});

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runLoad } from './load.ts';

let server: http.Server;
let baseUrl: string;
let inFlight = 0;
let peakInFlight = 0;
const connections = new Set<unknown>();
const seenAuthorization: string[] = [];

before(async () => {
  server = http.createServer((request, response) => {
    inFlight++;
    peakInFlight = Math.max(peakInFlight, inFlight);
    seenAuthorization.push(request.headers.authorization ?? '');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://x');
      const delay = Number(url.searchParams.get('delay') ?? 0);
      setTimeout(() => {
        inFlight--;
        const status = Number(url.searchParams.get('status') ?? 200);
        response.writeHead(status, { 'content-type': 'application/scim+json' });
        response.end(
          JSON.stringify({ echo: Buffer.concat(chunks).toString(), type: request.headers['content-type'] }),
        );
      }, delay);
    });
  });
  server.on('connection', (socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const options = () => ({ baseUrl, concurrency: 4, requestTimeoutMs: 2000, maxDurationMs: 10_000 });

describe('load generator', () => {
  test('sends every request once, keeps `concurrency` in flight on reused connections', async () => {
    peakInFlight = 0;
    connections.clear();
    seenAuthorization.length = 0;
    const seen = new Set<number>();
    const result = await runLoad(
      {
        total: 200,
        request: (index) => ({
          method: 'POST',
          path: `/?delay=2&i=${index}`,
          body: JSON.stringify({ index }),
        }),
        check: (index, _status, body) => {
          seen.add(index);
          const echoed = JSON.parse(body) as { echo: string; type: string };
          if (JSON.parse(echoed.echo).index !== index) return 'wrong body';
          return echoed.type.startsWith('application/scim+json') ? undefined : `content-type ${echoed.type}`;
        },
      },
      { ...options(), headers: { authorization: 'Bearer t' } },
    );
    assert.equal(result.sent, 200);
    assert.equal(result.succeeded, 200);
    assert.equal(result.failed, 0);
    assert.equal(seen.size, 200);
    assert.equal(result.latenciesMs.length, 200);
    assert.ok(
      // Timers round to whole milliseconds on their own clock, so allow for that rounding.
      result.latenciesMs.every((ms) => ms >= 1.5),
      'every latency covers the server delay',
    );
    assert.equal(peakInFlight, 4);
    assert.equal(connections.size, 4, 'keep-alive: one connection per worker');
    assert.ok(seenAuthorization.every((value) => value === 'Bearer t'));
  });

  test('counts non-2xx answers as failures, by status, with samples of the body', async () => {
    const result = await runLoad(
      {
        total: 10,
        request: (index) => ({ method: 'GET', path: index % 2 ? '/?status=409' : '/?status=204' }),
      },
      options(),
    );
    assert.equal(result.succeeded, 5);
    assert.equal(result.failed, 5);
    assert.deepEqual(result.failuresByReason, { 'HTTP 409': 5 });
    assert.equal(result.failureSamples[0]?.request, 'GET /?status=409');
    assert.match(result.failureSamples[0]!.detail, /echo/);
  });

  test('a 2xx answer that fails the check is a failure', async () => {
    const result = await runLoad(
      {
        total: 3,
        request: () => ({ method: 'GET', path: '/' }),
        check: () => 'totalResults was 0, expected 1',
      },
      options(),
    );
    assert.equal(result.succeeded, 0);
    assert.deepEqual(result.failuresByReason, { check: 3 });
    assert.equal(result.failureSamples[0]?.detail, 'totalResults was 0, expected 1');
  });

  test('a request slower than the timeout fails with reason timeout', async () => {
    const result = await runLoad(
      { total: 2, request: () => ({ method: 'GET', path: '/?delay=500' }) },
      { ...options(), requestTimeoutMs: 50 },
    );
    assert.deepEqual(result.failuresByReason, { timeout: 2 });
  });

  test('a refused connection is a failure, not a hang', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runLoad(
      { total: 3, request: () => ({ method: 'GET', path: '/' }) },
      { ...options(), baseUrl: `http://127.0.0.1:${port}` },
    );
    assert.deepEqual(result.failuresByReason, { ECONNREFUSED: 3 });
  });

  test('spreads its workers over several addresses, each worker on its own connection', async () => {
    const other = http.createServer((_request, response) => response.end('{}'));
    const otherConnections = new Set<unknown>();
    other.on('connection', (socket) => otherConnections.add(socket));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    connections.clear();
    try {
      const result = await runLoad(
        { total: 100, request: () => ({ method: 'GET', path: '/?delay=1' }) },
        { ...options(), baseUrl: [baseUrl, otherUrl] },
      );
      assert.equal(result.succeeded, 100);
      // Four workers over two addresses: two keep-alive connections to each.
      assert.equal(connections.size, 2);
      assert.equal(otherConnections.size, 2);
    } finally {
      other.closeAllConnections();
      other.close();
    }
  });

  test('the deadline stops the run and says so', async () => {
    const result = await runLoad(
      { total: 10_000, request: () => ({ method: 'GET', path: '/?delay=20' }) },
      { ...options(), maxDurationMs: 100 },
    );
    assert.ok(result.stoppedByDeadline);
    assert.ok(result.sent < 100, `sent ${result.sent}`);
    assert.equal(result.succeeded, result.sent);
  });
});

/**
 * The bridge's end of the account API channel against small real servers: how an opening
 * ends (open, refused with the account's error, unsupported, unavailable, unreachable), and
 * how messages, timeouts, late answers and retirement behave on an open channel.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { openAccountChannel } from './account-channel.ts';

const closers: Array<() => void> = [];
after(() => {
  for (const close of closers) close();
});

const options = { timeoutMs: 200, maxAnswerBytes: 1024 * 1024 };

/** An HTTP server whose upgrades go to `onSocket`, and whose plain requests `answer`. */
async function server(
  onSocket?: (socket: WebSocket) => void,
  answer?: (response: http.ServerResponse) => void,
): Promise<string> {
  const httpServer = http.createServer((_request, response) => {
    if (answer) answer(response);
    else response.writeHead(404).end();
  });
  if (onSocket) {
    const wss = new WebSocketServer({ noServer: true });
    httpServer.on('upgrade', (request, socket, head) =>
      wss.handleUpgrade(request, socket, head, (ws) => onSocket(ws)),
    );
  }
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    httpServer.closeAllConnections();
    httpServer.close();
  });
  return `http://127.0.0.1:${(httpServer.address() as net.AddressInfo).port}`;
}

test('an opening ends as the server answers it', async () => {
  const refused = await server(undefined, (response) =>
    response
      .writeHead(403, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: 'firewall_blocked', message: 'blocked' })),
  );
  const refusal = await openAccountChannel(refused, 'sbs_x', options);
  assert.deepEqual(refusal, {
    kind: 'refused',
    reply: { status: 403, body: { code: 'firewall_blocked', message: 'blocked' } },
  });

  const plain = await server(undefined, (response) =>
    response
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ code: 'invalid_request', message: 'upgrade' })),
  );
  assert.equal((await openAccountChannel(plain, 'sbs_x', options)).kind, 'unsupported');

  const failing = await server(undefined, (response) => response.writeHead(502).end('bad gateway'));
  assert.equal((await openAccountChannel(failing, 'sbs_x', options)).kind, 'unavailable');

  // Accepts the connection and never answers: a proxy holding the upgrade.
  const holding = net.createServer(() => {});
  await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve));
  closers.push(() => holding.close());
  const held = await openAccountChannel(
    `http://127.0.0.1:${(holding.address() as net.AddressInfo).port}`,
    'sbs_x',
    options,
  );
  assert.equal(held.kind, 'unsupported');

  // Nothing listening: the same failure a request would meet, with its code.
  const nobody = net.createServer();
  await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
  const port = (nobody.address() as net.AddressInfo).port;
  await new Promise((resolve) => nobody.close(resolve));
  await assert.rejects(openAccountChannel(`http://127.0.0.1:${port}`, 'sbs_x', options), {
    code: 'ECONNREFUSED',
  });
});

test('a timed-out message counts as under way until its late answer; a retired channel closes after it', async () => {
  const held: Array<{ id: number; socket: WebSocket }> = [];
  const url = await server((socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id: number; calls: unknown[] };
      if ((message.calls[0] as { hold?: boolean }).hold) held.push({ id: message.id, socket });
      else socket.send(JSON.stringify({ id: message.id, status: 200, body: { results: [] } }));
    });
  });
  const opening = await openAccountChannel(url, 'sbs_token', options);
  assert.equal(opening.kind, 'open');
  if (opening.kind !== 'open') return;
  const channel = opening.channel;
  assert.deepEqual(await channel.send([{ method: 'GET', path: '/x' }]), {
    status: 200,
    body: { results: [] },
  });

  await assert.rejects(channel.send([{ hold: true }]), { code: 'ETIMEDOUT' });
  assert.equal(channel.pending(), 1);
  channel.retire();
  // Refused before anything is written: the caller may send the batch another way.
  await assert.rejects(channel.send([{ method: 'GET', path: '/x' }]), { code: 'E_CHANNEL_CLOSED' });
  assert.equal(held.length, 1);
  held[0]!.socket.send(JSON.stringify({ id: held[0]!.id, status: 200, body: { results: [] } }));
  await channel.closed;
  assert.equal(channel.pending(), 0);
});

test('when the account ends an open channel, the messages waiting fail as possibly sent', async () => {
  const url = await server((socket) => {
    socket.on('message', () => socket.terminate());
  });
  const opening = await openAccountChannel(url, 'sbs_token', { ...options, timeoutMs: 5000 });
  assert.equal(opening.kind, 'open');
  if (opening.kind !== 'open') return;
  await assert.rejects(opening.channel.send([{ method: 'POST', path: '/members' }]), { code: 'ECONNRESET' });
  await assert.rejects(opening.channel.send([{ method: 'POST', path: '/members' }]), {
    code: 'E_CHANNEL_CLOSED',
  });
});

/**
 * A real SMTP server (smtp-server) on a free loopback port that keeps what it receives, for
 * tests and the mail benchmark. It can be told to refuse the next commands with a given
 * reply, to test retries, and it decodes what arrived (headers, the text and HTML parts)
 * with a small MIME reader, so tests check what a recipient would see.
 */
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { freePort } from './processes.ts';

export type SmtpStage = 'MAIL' | 'RCPT' | 'DATA';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  /** Lower-case header names; unfolded; encoded words decoded. */
  headers: Map<string, string>;
  subject: string;
  messageId: string;
  text: string;
  html: string;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:port */
  url: string;
  port: number;
  received: ReceivedMail[];
  /** How many messages were accepted (also counted when `keep` is off). */
  accepted: number;
  /** Refuse the next `times` commands of `stage` with `code message`. */
  refuse(stage: SmtpStage, code: number, message: string, times?: number): void;
  /** Never answer the next message's DATA: the client waits as if the server hung. */
  stallNextData(): void;
  /** Messages whose DATA went unanswered. */
  stalled: number;
  /** Resolves when at least `count` messages were accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface Refusal {
  code: number;
  message: string;
  times: number;
}

export async function startSmtpSink(
  options: {
    /**
     * Which accepted messages to keep in `received`: all (the default), none, or those a
     * filter picks (a run of thousands of invitations need not hold every one in memory).
     */
    keep?: boolean | ((mail: ReceivedMail) => boolean);
    credentials?: { user: string; pass: string };
  } = {},
) {
  const keep = options.keep ?? true;
  const refusals: Record<SmtpStage, Refusal[]> = { MAIL: [], RCPT: [], DATA: [] };
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const sink = {
    url: '',
    port: 0,
    received: [] as ReceivedMail[],
    accepted: 0,
    stalled: 0,
  };
  let stallNext = false;

  const refusal = (stage: SmtpStage): Error | undefined => {
    const next = refusals[stage][0];
    if (!next) return undefined;
    next.times--;
    if (next.times <= 0) refusals[stage].shift();
    const error = new Error(next.message) as Error & { responseCode: number };
    error.responseCode = next.code;
    return error;
  };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.credentials,
    allowInsecureAuth: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const good =
        options.credentials &&
        auth.username === options.credentials.user &&
        auth.password === options.credentials.pass;
      if (good) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onMailFrom(_address, _session, callback) {
      callback(refusal('MAIL') ?? null);
    },
    onRcptTo(_address, _session, callback) {
      callback(refusal('RCPT') ?? null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (keep) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stallNext) {
          stallNext = false;
          sink.stalled++;
          return;
        }
        const refused = refusal('DATA');
        if (refused) return callback(refused);
        sink.accepted++;
        if (keep) {
          const raw = Buffer.concat(chunks).toString('utf8');
          const mail: ReceivedMail = {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            ...parseMessage(raw),
          };
          if (keep === true || keep(mail)) sink.received.push(mail);
        }
        for (const waiter of waiters.splice(0)) {
          if (sink.accepted >= waiter.count) waiter.resolve();
          else waiters.push(waiter);
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  sink.port = typeof address === 'object' && address !== null ? address.port : 0;
  sink.url = options.credentials
    ? `smtp://${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.pass)}@127.0.0.1:${sink.port}`
    : `smtp://127.0.0.1:${sink.port}`;

  const result: SmtpSink = Object.assign(sink, {
    refuse(stage: SmtpStage, code: number, message: string, times = 1) {
      refusals[stage].push({ code, message, times });
    },
    stallNextData() {
      stallNext = true;
    },
    waitFor(count: number, timeoutMs = 10_000) {
      if (sink.accepted >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} messages, got ${sink.accepted}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return result;
}

/** A loopback port with nothing listening on it: connections to it are refused. */
export const closedPort = freePort;

// --- a small MIME reader: enough for what nodemailer writes ---

function splitHead(raw: string): { head: string; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  return at < 0 ? { head: raw, body: '' } : { head: raw.slice(0, at), body: raw.slice(at + 4) };
}

function readHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return headers;
}

/** RFC 2047 encoded words, UTF-8, B or Q. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_match, encoding: string, text: string) =>
      encoding.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const clean = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < clean.length; i++) {
    if (clean[i] === '=' && /^[0-9A-F]{2}$/i.test(clean.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(clean.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(clean[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function parseMessage(raw: string): Omit<ReceivedMail, 'envelopeFrom' | 'envelopeTo'> {
  const { head, body } = splitHead(raw);
  const headers = readHeaders(head);
  let text = '';
  let html = '';
  const visit = (partHeaders: Map<string, string>, partBody: string) => {
    const type = partHeaders.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith('multipart/') && boundary) {
      const pieces = partBody.split(`--${boundary}`).slice(1);
      for (const piece of pieces) {
        if (piece.startsWith('--')) break;
        const part = splitHead(piece.replace(/^\r\n/, ''));
        visit(readHeaders(part.head), part.body.replace(/\r\n$/, ''));
      }
    } else if (type.toLowerCase().startsWith('text/html')) {
      html = decodeBody(partBody, partHeaders);
    } else if (type.toLowerCase().startsWith('text/plain')) {
      text = decodeBody(partBody, partHeaders).replace(/\r\n/g, '\n');
    }
  };
  visit(headers, body);
  return {
    raw,
    headers,
    subject: headers.get('subject') ?? '',
    messageId: headers.get('message-id') ?? '',
    text,
    html,
  };
}

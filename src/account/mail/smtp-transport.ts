/** Pooled for bulk throughput; errors leave classified and with the SMTP password cut out, safe to store and log. */
import { createRequire } from 'node:module';
import type Nodemailer from 'nodemailer';
import { parseSmtpUrl } from './smtp-url.ts';

export interface SmtpSettings {
  /** smtp://[user:password@]host[:port] or smtps://…; credentials percent-encoded. */
  url: string;
  /** Refuse to send over a connection that did not upgrade with STARTTLS (smtp:// only). */
  requireTls: boolean;
  maxConnections: number;
}

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Same on every attempt: receivers de-duplicate on it. */
  messageId: string;
  date: Date;
}

export interface MailTransport {
  /** Resolves once the SMTP server has accepted the message (250 after DATA). */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class SmtpDeliveryError extends Error {
  /** Retrying cannot help: the server refused the recipient for good (RFC 5321 §4.2.1, 5yz on RCPT). */
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.name = 'SmtpDeliveryError';
    this.permanent = permanent;
  }
}

const MAX_ERROR_LENGTH = 500;

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // A server's reply does not echo the password, so this is a safety net; a password of
    // one to three characters would otherwise turn every message into confetti.
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out.replace(/(smtps?:\/\/)[^@\s/]+@/gi, '$1[redacted]@');
}

interface NodemailerError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  originalCode?: string;
}

export function toDeliveryError(error: unknown, secrets: readonly string[]): SmtpDeliveryError {
  const failure = (error instanceof Error ? error : new Error(String(error))) as NodemailerError;
  const permanent =
    failure.command === 'RCPT TO' && typeof failure.responseCode === 'number' && failure.responseCode >= 500;
  const code = failure.originalCode ?? failure.code;
  const where = failure.command !== undefined && failure.command !== 'API' ? ` at ${failure.command}` : '';
  let message = `${code ?? 'error'}${where}: ${failure.message}`.replace(/\s+/g, ' ').trim();
  message = redact(message, secrets);
  if (message.length > MAX_ERROR_LENGTH) message = `${message.slice(0, MAX_ERROR_LENGTH - 3)}...`;
  return new SmtpDeliveryError(message, permanent);
}

export function createSmtpTransport(settings: SmtpSettings): MailTransport {
  const parsed = parseSmtpUrl(settings.url);
  const secrets = parsed.password === undefined ? [] : [parsed.password];
  // Loaded here, not on import: a server without SMTP settings never holds the library in memory.
  const nodemailer = createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;
  const transporter = nodemailer.createTransport({
    pool: true,
    host: parsed.host,
    port: parsed.port,
    secure: parsed.secure,
    requireTLS: !parsed.secure && settings.requireTls,
    ...(parsed.user !== undefined ? { auth: { user: parsed.user, pass: parsed.password ?? '' } } : {}),
    maxConnections: settings.maxConnections,
    // High, so bulk sends do not pay a handshake every hundred messages.
    maxMessages: 1000,
    // nodemailer's defaults wait up to ten minutes on a silent server; the sender's claim
    // on a message must outlast every timeout (see sender.ts), so these are bounded.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    dnsTimeout: 30_000,
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      try {
        await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          date: mail.date,
          headers: {
            // RFC 3834 §5: automatic mail; out-of-office responders should not answer it.
            'Auto-Submitted': 'auto-generated',
          },
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (error) {
        throw toDeliveryError(error, secrets);
      }
    },
    close() {
      transporter.close();
    },
  };
}

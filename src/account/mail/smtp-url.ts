/**
 * The SMTP URL setting: smtp://[user:password@]host[:port] (STARTTLS, port 587 by default)
 * or smtps://… (TLS from the first byte, port 465). Kept apart from the transport so that
 * configuration can check it without loading the mail library. No message here ever
 * repeats the password.
 */

export interface ParsedSmtpUrl {
  secure: boolean;
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
}

/** Throws an Error whose message never contains the password. */
export function parseSmtpUrl(text: string): ParsedSmtpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error('is not a URL (expected smtp://host:port or smtps://host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`must start with smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new Error('has no host name');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw new Error('must be only smtp(s)://[user:password@]host[:port], without a path or query');
  }
  const secure = url.protocol === 'smtps:';
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username === '' ? undefined : decodeURIComponent(url.username);
    password = url.password === '' ? undefined : decodeURIComponent(url.password);
  } catch {
    throw new Error('has a user name or password that is not valid percent-encoding');
  }
  return {
    secure,
    // URL keeps IPv6 literals in brackets; sockets want them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    user,
    password,
  };
}

/** The SMTP URL without its credentials, for logs and the status of a running system. */
export function describeSmtpUrl(text: string): string {
  try {
    const parsed = parseSmtpUrl(text);
    const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
    return `${parsed.secure ? 'smtps' : 'smtp'}://${host}:${parsed.port}`;
  } catch {
    return '(invalid SMTP URL)';
  }
}

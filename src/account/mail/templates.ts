/**
 * Names come from the IdP: every value is checked, HTML is auto-escaped, and text loses
 * control characters (a name must not add a header line or fake a paragraph break). Bad rows
 * throw `MailDataError` rather than send a mail with a hole where the link should be.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import type { MailTemplate, OutboxMessage } from '../model.ts';
import { SEALED_LINK_FIELD } from './outbox-seal.ts';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  links: string[];
}

export class MailDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailDataError';
  }
}

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'invitation',
  'account_ready',
  'email_change',
  'bridge_offline',
  'bridge_online',
];

export const REMOVED_LINK = '[removed after delivery]';

const MAX_FIELD_LENGTH = 2000;

type Data = Record<string, unknown>;

class Reader {
  constructor(
    private readonly template: string,
    private readonly data: Data,
    /** Render a link removed after delivery as the marker (to show a sent message), instead of refusing. */
    private readonly showRemovedLinks = false,
  ) {}

  private fail(field: string, problem: string): never {
    throw new MailDataError(`the ${this.template} mail cannot be sent: ${field} ${problem}`);
  }

  text(field: string): string {
    const value = this.optionalText(field);
    if (value === undefined) this.fail(field, 'is missing');
    return value;
  }

  optionalText(field: string): string | undefined {
    const value = this.data[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(field, 'is not text');
    const clean = oneLine(value);
    if (clean === '') return undefined;
    if (clean.length > MAX_FIELD_LENGTH) this.fail(field, `is longer than ${MAX_FIELD_LENGTH} characters`);
    return clean;
  }

  link(field: string): string {
    const value = this.data[field];
    if (value === REMOVED_LINK) {
      if (this.showRemovedLinks) return REMOVED_LINK;
      this.fail(field, 'was removed after the message was delivered');
    }
    const text = this.text(field);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      this.fail(field, 'is not a URL');
    }
    // Only web links: a javascript: or data: URL in a mail is an attack, never a feature.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') this.fail(field, 'is not an http(s) URL');
    return url.href;
  }

  time(field: string): string {
    const text = this.text(field);
    const at = new Date(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(at.getTime())) {
      this.fail(field, 'is not an ISO-8601 time');
    }
    return formatUtc(at);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

function oneLine(value: string): string {
  const single = value.replace(CONTROL_CHARACTERS, ' ');
  return single.replace(/\s+/g, ' ').trim();
}

/** Unambiguous in every time zone. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

interface Parts {
  subject: string;
  /** Paragraphs; each is plain text, or text with one link in the middle. */
  paragraphs: Paragraph[];
  action?: { label: string; link: string };
}

type Paragraph = string | { before: string; link: string; after: string };

function greeting(name: string | undefined): string {
  return name === undefined ? 'Hello,' : `Hello ${name},`;
}

function build(template: MailTemplate, read: Reader): Parts {
  switch (template) {
    case 'invitation': {
      const account = read.text('accountName');
      const link = read.link('link');
      const expires = read.time('expiresAt');
      return {
        subject: `You are invited to join ${account}`,
        paragraphs: [
          greeting(read.optionalText('displayName')),
          `You have been invited to join the team account ${account}. Create your account with the button below, or open this link: ${link}`,
          `The invitation works until ${expires}.`,
          'If you did not expect this invitation, you can ignore this message.',
        ],
        action: { label: 'Join the team', link },
      };
    }
    case 'account_ready': {
      const account = read.text('accountName');
      const link = read.link('link');
      return {
        subject: `Your account in ${account} is ready`,
        paragraphs: [
          greeting(read.optionalText('displayName')),
          `Your account in the team account ${account} has been confirmed. You can now open the vaults your groups give you access to: ${link}`,
        ],
        action: { label: 'Open your vaults', link },
      };
    }
    case 'email_change': {
      const account = read.text('accountName');
      const current = read.text('currentEmail');
      const next = read.text('newEmail');
      const link = read.link('link');
      const expires = read.time('expiresAt');
      return {
        subject: `Confirm your new e-mail address for ${account}`,
        paragraphs: [
          greeting(undefined),
          `Your organisation's identity provider changed your e-mail address in the team account ${account} from ${current} to ${next}. The change takes effect when you accept it: ${link}`,
          `The link works until ${expires}. Until you accept, you keep signing in with ${current}.`,
          'If you did not expect this change, do not accept it and tell your administrator.',
        ],
        action: { label: 'Review the change', link },
      };
    }
    case 'bridge_offline': {
      const account = read.text('accountName');
      const bridge = read.text('bridgeUrl');
      const since = read.time('since');
      const detail = read.optionalText('detail');
      return {
        subject: `The provisioning bridge of ${account} is offline`,
        paragraphs: [
          `The provisioning bridge of the team account ${account}, at ${bridge}, has not answered the health check since ${since}.${detail === undefined ? '' : ` Last error: ${detail}.`}`,
          'Nothing is lost while it is down: identity providers retry their changes, and they are applied when the bridge is back. Check the bridge’s status page and logs.',
        ],
      };
    }
    case 'bridge_online': {
      const account = read.text('accountName');
      const bridge = read.text('bridgeUrl');
      const since = read.time('since');
      const detail = read.optionalText('detail');
      return {
        subject: `The provisioning bridge of ${account} is back online`,
        paragraphs: [
          `The provisioning bridge of the team account ${account}, at ${bridge}, answers the health check again since ${since}.${detail === undefined ? '' : ` ${detail}.`}`,
        ],
      };
    }
    default:
      throw new MailDataError(`there is no mail template named ${JSON.stringify(template)}`);
  }
}

function linkParagraph(text: string, link: string): Paragraph {
  const at = text.indexOf(link);
  if (at < 0) return text;
  return { before: text.slice(0, at), link, after: text.slice(at + link.length) };
}

function textOf(paragraph: Paragraph): string {
  return typeof paragraph === 'string' ? paragraph : `${paragraph.before}${paragraph.link}${paragraph.after}`;
}

function htmlOf(paragraph: Paragraph): SafeHtml {
  if (typeof paragraph === 'string') return html`<p style="margin:0 0 16px">${paragraph}</p>`;
  return html`<p style="margin:0 0 16px">${paragraph.before}<a href="${paragraph.link}" style="color:#1d4ed8;word-break:break-all">${paragraph.link}</a>${paragraph.after}</p>`;
}

export function renderMail(
  message: Pick<OutboxMessage, 'template' | 'data'>,
  options: { showRemovedLinks?: boolean } = {},
): RenderedMail {
  if (typeof message.data !== 'object' || message.data === null || Array.isArray(message.data)) {
    throw new MailDataError(`the ${message.template} mail cannot be sent: its data is not an object`);
  }
  const parts = build(
    message.template,
    new Reader(message.template, message.data, options.showRemovedLinks ?? false),
  );
  const subject = parts.subject.length > 200 ? `${parts.subject.slice(0, 197)}...` : parts.subject;
  const paragraphs = parts.paragraphs.map((paragraph) =>
    parts.action && typeof paragraph === 'string' ? linkParagraph(paragraph, parts.action.link) : paragraph,
  );
  const text = `${paragraphs.map(textOf).join('\n\n')}\n\n-- \nscimbridge\n`;
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${subject}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;color:#1f2937;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px;line-height:1.5">
<div style="max-width:36rem;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
${paragraphs.map(htmlOf)}
${parts.action ? html`<p style="margin:24px 0"><a href="${parts.action.link}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">${parts.action.label}</a></p>` : ''}
<p style="margin:24px 0 0;color:#6b7280;font-size:13px">Sent by scimbridge.</p>
</div></body></html>
`;
  const links = parts.action ? [parts.action.link] : [];
  return { subject, text, html: body.value, links };
}

/** So the stored row holds no usable secret. */
export function withoutLinks(data: Data): Data {
  const out: Data = {};
  for (const [key, value] of Object.entries(data)) {
    if ((key === 'link' || key === SEALED_LINK_FIELD) && typeof value === 'string') out.link = REMOVED_LINK;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      out[key] = withoutLinks(value as Data);
    else out[key] = value;
  }
  return out;
}

/**
 * What text the account accepts in the names it shows people, and how group names compare.
 *
 * Control characters (C0, DEL, C1) and lone surrogates in a userName, an address or a name
 * are refused: NUL cuts strings short in other systems, line breaks forge lines in logs and
 * mail headers, and a lone surrogate is no character at all.
 *
 * Group names compare by `groupNameKey`: Unicode NFKC, then case folding, so that "Ｏwners"
 * (fullwidth) and "OWNERS" are the built-in Owners and two groups cannot differ only in such
 * look-alike spellings (Unicode Standard Annex #15; the Unicode Standard §5.18).
 */
import { AccountError } from './errors.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

export function assertCleanText(field: string, value: string | null): void {
  if (value !== null && CONTROL_OR_LONE_SURROGATE.test(value)) {
    throw new AccountError(
      'invalid_input',
      `${field} holds a control character or an unpaired surrogate; send printable text`,
    );
  }
}

/**
 * A group name as compared: NFKC, then full case folding. JavaScript has no case folding;
 * upper- then lower-casing folds what folding does for names ("ß" and "SS" → "ss", "ς" → "σ"),
 * and a second NFKC settles what the casing took apart.
 */
export function groupNameKey(displayName: string): string {
  return displayName.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

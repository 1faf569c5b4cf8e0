/** This release's version: what `--version` prints and what the account API's peers compare. */
export const VERSION = '0.1.0';

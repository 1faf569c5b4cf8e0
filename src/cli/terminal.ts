/** Writing for a terminal or a pipe: text from the IdP made harmless, tables, and a reader that went away. */

/** Terminal-safe: names and addresses come from the IdP and must not move the cursor or recolour the screen. */
export function clean(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** Rows as columns padded to their widest cell; the last column is not padded. */
export function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map(
      (row) =>
        `${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}\n`,
    )
    .join('');
}

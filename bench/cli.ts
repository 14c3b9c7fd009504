// What every bench script shares: its flags, and how figures are printed.

/** `--name VALUE` from the command line, or `def`. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

/** Milliseconds for people: "850 ms", "1.25 s". */
export const secs = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

/** flowops / raw, as "1.23×". */
export const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;

/** Prints rows as aligned columns (the first row is the header). */
export function printTable(rows: readonly string[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
}

import { type NamedResult, compareResults } from '../../src-shared/comparison.js';

export { type NamedResult, relativeChange } from '../../src-shared/comparison.js';

const ansi = { better: '\u001b[32m', worse: '\u001b[31m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;
type Style = keyof typeof ansi;

/**
 * Results side by side for a terminal: a line per result, then a table per endpoint id, a row per
 * figure, a column per result. Each column after the first shows its change against the first
 * result ("13.50  +35% ↑"); with `color`, a change for the better is green and one for the worse
 * red (for figures where more or less is better). An endpoint missing from a result shows "-".
 */
export function formatComparison(results: readonly NamedResult[], options: { color: boolean }): string {
  const paint = (text: string, style: Style) => (options.color ? `${ansi[style]}${text}${ansi.reset}` : text);
  const lines: string[] = [];
  results.forEach(({ name, result }, index) => {
    const ending = result.completed ? 'completed' : `stopped early (${result.stopReason})`;
    lines.push(`${index === 0 ? 'base' : `  #${index}`}  ${name}: ${result.profile.name}, ${ending} after ${(result.elapsedMs / 1000).toFixed(1)} s`);
  });
  for (const endpoint of compareResults(results)) {
    lines.push('', paint(`${endpoint.id}  (${endpoint.kinds.join(' | ')})`, 'bold'));
    const rows = endpoint.rows.map((row): Cell[] => [
      { text: row.label },
      ...row.cells.map((cell): Cell => {
        if (cell.value === null) return { text: cell.text, style: 'dim' };
        if (cell.change === null) return { text: cell.text };
        return { text: `${cell.text}  ${cell.change.text}`, style: cell.verdict === 'neutral' ? undefined : cell.verdict };
      }),
    ]);
    lines.push(...layout(['', ...results.map(({ name }) => name)], rows, paint));
  }
  return `${lines.join('\n')}\n`;
}

interface Cell {
  text: string;
  style?: Style | undefined;
}

/** Columns two spaces apart, the first left-aligned, the rest right-aligned; colour does not count in the widths. */
function layout(header: readonly string[], rows: readonly Cell[][], paint: (text: string, style: Style) => string): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.text.length ?? 0)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const padded = column === 0 ? cell.text.padEnd(width) : cell.text.padStart(width);
        return cell.style === undefined ? padded : paint(padded, cell.style);
      })
      .join('  ')
      .trimEnd();
  return [line(header.map((text) => ({ text }))), ...rows.map(line)].map((text) => `  ${text}`);
}

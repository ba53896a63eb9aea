import type { Finding } from '../../src-shared/findings.js';

/** Lines are wrapped to this width so that a finding reads as a paragraph on an 80-column terminal. */
const width = 100;

/**
 * The findings as text for a terminal: for each, its severity, endpoint and title on one line,
 * then the detail and the figures indented below.
 */
export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'findings: none; nothing in this run needs a closer look.\n';
  const lines = ['findings:'];
  for (const finding of findings) {
    lines.push(`  ${finding.severity.padEnd(7)}  ${finding.endpoint}: ${finding.title}`);
    lines.push(...wrap(finding.detail, '           '));
    const figures = Object.entries(finding.figures).map(([name, value]) => `${name} ${value}`);
    lines.push(...wrap(figures.join(', '), '           '));
  }
  return `${lines.join('\n')}\n`;
}

/** Word-wraps text to the width, each line starting with the indent. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** Series colours, distinct on white and for the common colour-vision deficiencies (Okabe–Ito, extended). */
export const palette = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442', '#7f3c8d', '#11a579'];

export function colorAt(index: number): string {
  return palette[index % palette.length] ?? '#000000';
}

import { visibleWidth, type Palette } from './colour';

export interface Column<Row> {
  header: string;
  /** The cell text; may carry colour, which takes no width. */
  cell(row: Row): string;
  align?: 'left' | 'right';
}

/**
 * Aligned columns separated by two spaces, header in bold, no trailing spaces.
 * Returns the lines without a final newline.
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], palette: Palette): string[] {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.cell(row))));
  const widths = columns.map((column, i) => Math.max(visibleWidth(column.header), ...cells.map((rowCells) => visibleWidth(rowCells[i]))));
  const line = (values: string[]): string =>
    values
      .map((value, i) => {
        const pad = ' '.repeat(widths[i] - visibleWidth(value));
        if (columns[i].align === 'right') return pad + value;
        return i === values.length - 1 ? value : value + pad;
      })
      .join('  ')
      .trimEnd();
  const header = line(columns.map((column) => column.header));
  return [palette.bold(header), ...cells.map(line)];
}

/** Table cells hold one line: newlines and tabs become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

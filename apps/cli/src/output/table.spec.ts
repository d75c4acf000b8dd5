import { createPalette } from './colour';
import { renderTable } from './table';

describe('renderTable', () => {
  const rows = [
    { id: 'd-1', status: 'held', count: 3 },
    { id: 'd-1000', status: 'awaiting_approval', count: 12 },
  ];
  const columns = [
    { header: 'ID', cell: (r: (typeof rows)[number]) => r.id },
    { header: 'N', cell: (r: (typeof rows)[number]) => String(r.count), align: 'right' as const },
    { header: 'STATUS', cell: (r: (typeof rows)[number]) => r.status },
  ];

  it('aligns columns two spaces apart, right-aligns numbers, leaves no trailing spaces', () => {
    expect(renderTable(columns, rows, createPalette(false))).toEqual([
      'ID       N  STATUS',
      'd-1      3  held',
      'd-1000  12  awaiting_approval',
    ]);
  });

  it('measures coloured cells by what shows on screen', () => {
    const c = createPalette(true);
    const coloured = [{ header: 'A', cell: (r: (typeof rows)[number]) => c.red(r.id) }, columns[2]];

    const lines = renderTable(coloured, rows, c).map((l) => l.replace(/\u001b\[\d+m/g, ''));

    expect(lines).toEqual(['A       STATUS', 'd-1     held', 'd-1000  awaiting_approval']);
  });

  it('keeps each cell on one line', () => {
    const lines = renderTable([{ header: 'X', cell: () => 'two\nlines' }], [{}], createPalette(false));

    expect(lines).toEqual(['X', 'two lines']);
  });
});

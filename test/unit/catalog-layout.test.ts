import { describe, expect, it } from 'vitest';
import { expandBlock, expandLabels, LayoutError, parseLayoutString, rowIndexOf } from '../../src/catalog/layout.js';

describe('compact seat layouts', () => {
  it('reads the string form, with hyphens or en dashes', () => {
    expect(parseLayoutString('section A rows 1-20 seats 1-30', 'f')).toEqual({
      section: 'A',
      rows: '1-20',
      seats: '1-30',
    });
    expect(parseLayoutString('Section Balcony row C–F seats 1–12', 'f')).toEqual({
      section: 'Balcony',
      rows: 'C-F',
      seats: '1-12',
    });
    expect(() => parseLayoutString('rows 1-2', 'blocks.0.layout')).toThrow(LayoutError);
  });

  it('expands numbers, letters and lists, and orders rows from the stage', () => {
    expect(expandLabels('1-3,7', 'f')).toEqual(['1', '2', '3', '7']);
    expect(expandLabels('Y-AB', 'f')).toEqual(['Y', 'Z', 'AA', 'AB']);
    expect([rowIndexOf('A'), rowIndexOf('Z'), rowIndexOf('AA'), rowIndexOf('12')]).toEqual([1, 26, 27, 12]);
    for (const bad of ['3-1', '1-B', '0-2', '1-3,2', 'x y'])
      expect(() => expandLabels(bad, 'f'), bad).toThrow(LayoutError);
    expect(() => expandLabels('A-C', 'f', true)).toThrow(/numbers/);
  });

  it('marks accessible seats per seat number, per row, or per row and seats', () => {
    const seats = expandBlock(
      { section: 'A', rows: '1-3', seats: '1-4', accessible: ['1', 'row 3 seats 3-4'] },
      'blocks.0',
    );
    expect(seats).toHaveLength(12);
    expect(seats.filter((s) => s.accessible).map((s) => `${s.row}-${s.number}`)).toEqual([
      '1-1',
      '2-1',
      '3-1',
      '3-3',
      '3-4',
    ]);
    expect(() => expandBlock({ section: 'A', rows: '1-3', seats: '1-4', accessible: ['row 9'] }, 'blocks.0')).toThrow(
      expect.objectContaining({ field: 'blocks.0.accessible.0' }),
    );
  });

  it('refuses a layout larger than one request may add', () => {
    expect(() => expandBlock({ section: 'A', rows: '1-300', seats: '1-100' }, 'blocks.2')).toThrow(
      expect.objectContaining({ field: 'blocks.2' }),
    );
  });
});

import { attribute, HclDocument } from '../document/hcl-document';
import { initHclParser } from '../parser/tree-sitter';
import { removeConstruct, removeTupleItems } from './removals';
import { applyEdits, OverlappingEditsError } from './text-edits';

function removeItems(list: string, removed: number[]): string {
  const text = `x = ${list}\n`;
  const doc = HclDocument.parse(text);
  const value = doc.blocks.length === 0 ? HclDocument.parse(`b {\n${text}}\n`) : doc;
  const block = value.blocks[0];
  const tuple = attribute(block, 'x')!.value;
  if (tuple.kind !== 'tuple') throw new Error('not a tuple');
  const out = applyEdits(value.text, removeTupleItems(value, tuple, new Set(removed))).text;
  return out.slice('b {\nx = '.length, -'\n}\n'.length);
}

describe('removeTupleItems', () => {
  beforeAll(() => initHclParser());

  it.each<[string, number[], string]>([
    ['["a", "b", "c"]', [1], '["a", "c"]'],
    ['["a", "b", "c"]', [0], '["b", "c"]'],
    ['["a", "b", "c"]', [2], '["a", "b"]'],
    ['["a", "b", "c"]', [1, 2], '["a"]'],
    ['["a", "b", "c"]', [0, 2], '["b"]'],
    ['["a", "b", "c",]', [2], '["a", "b",]'],
    ['[ "a" ,  "b" , "c" ]', [1], '[ "a" ,  "c" ]'],
    ['[\n  "a", # one\n  # two:\n  "b",\n  "c"\n]', [1], '[\n  "a", # one\n  "c"\n]'],
    ['[\n  "a",\n  "b"\n]', [1], '[\n  "a",\n]'],
    ['["a",\n "b"]', [1], '["a"]'],
  ])('%j minus %j', (list, removed, expected) => {
    expect(removeItems(list, removed)).toBe(expected);
  });
});

describe('removeConstruct', () => {
  beforeAll(() => initHclParser());

  function removeBlock(text: string, index: number): string {
    const doc = HclDocument.parse(text);
    const outer = doc.blocks[0];
    return applyEdits(text, [removeConstruct(doc, outer.blocks[index].span)]).text;
  }

  it.each<[string, string, number, string]>([
    [
      'with the comment directly above and the trailing one',
      'r {\n  a {}\n\n  # about b\n  b {} # b\n\n  c {}\n}\n',
      1,
      'r {\n  a {}\n\n  c {}\n}\n',
    ],
    ['keeping a comment separated by a blank line', 'r {\n  # section\n\n  a {}\n  b {}\n}\n', 0, 'r {\n  # section\n\n  b {}\n}\n'],
    ['the last block: the blank line before the brace goes', 'r {\n  a {}\n\n  b {}\n}\n', 1, 'r {\n  a {}\n}\n'],
    ['the first block: the blank line after the brace goes', 'r {\n  a {}\n\n  b {}\n}\n', 0, 'r {\n  b {}\n}\n'],
    ['a block sharing its line', 'r { a {} b {} }\n', 1, 'r { a {} }\n'],
  ])('%s', (_name, text, index, expected) => {
    expect(removeBlock(text, index)).toBe(expected);
  });
});

describe('applyEdits', () => {
  it('reports spans in the output and the input, merges touching deletions, refuses other overlaps', () => {
    expect(
      applyEdits('abcdef', [
        { start: 1, end: 2, text: 'XY' },
        { start: 4, end: 4, text: '+' },
        { start: 2, end: 3, text: '' },
        { start: 3, end: 4, text: '' },
      ]),
    ).toEqual({
      text: 'aXY+ef',
      spans: [
        { start: 1, end: 3, original: { start: 1, end: 2 } },
        { start: 3, end: 3, original: { start: 2, end: 4 } },
        { start: 3, end: 4, original: { start: 4, end: 4 } },
      ],
    });
    expect(() =>
      applyEdits('abcdef', [
        { start: 1, end: 3, text: 'x' },
        { start: 2, end: 4, text: '' },
      ]),
    ).toThrow(OverlappingEditsError);
  });
});

/**
 * The test-side Terraform reader (support/terraform-module.ts, support/hcl-template.ts):
 * hcl2json strings turned back into HCL and evaluated from HashiCorp's syntax tree.
 */
import { join } from 'node:path';
import {
  decodeQuotedLiteral,
  HclTemplateError,
  hasTemplateSequence,
  literalText,
  toQuotedTemplate,
} from './support/hcl-template';
import { Instance, isValueObject, loadModule, ModuleEvaluator, TerraformModule } from './support/terraform-module';

describe('toQuotedTemplate (hcl2json string -> HCL template source)', () => {
  it.each([
    ['plain text', 'hello', '"hello"'],
    ['quotes and backslashes in literal text', 'say "hi" \\ now', '"say \\"hi\\" \\\\ now"'],
    ['newlines and tabs', 'a\nb\tc', '"a\\nb\\tc"'],
    ['an interpolation kept verbatim', 'x-${var.name}', '"x-${var.name}"'],
    ['quotes and braces inside an interpolation', 'x ${join(", ", ["a}", "b{"])} y', '"x ${join(", ", ["a}", "b{"])} y"'],
    ['a nested template inside an interpolation', '${"a${var.b}c"}', '"${"a${var.b}c"}"'],
    ['an escaped $${ stays escaped', 'arn:${var.p}:s3:::b/$${aws:username}', '"arn:${var.p}:s3:::b/$${aws:username}"'],
    ['a comment with a brace inside an interpolation', '${jsonencode({\n  a = 1 # }\n})}', '"${jsonencode({\n  a = 1 # }\n})}"'],
  ])('%s', (_name, input, expected) => {
    expect(toQuotedTemplate(input)).toBe(expected);
  });

  it('refuses an unterminated interpolation', () => {
    expect(() => toQuotedTemplate('${var.x')).toThrow(HclTemplateError);
    expect(() => toQuotedTemplate('${"abc}')).toThrow(HclTemplateError);
  });

  it('tells template sequences from escaped ones', () => {
    expect(hasTemplateSequence('a ${b}')).toBe(true);
    expect(hasTemplateSequence('%{ if x }y%{ endif }')).toBe(true);
    expect(hasTemplateSequence('a $${b} c')).toBe(false);
    expect(literalText('a $${b} %%{c}')).toBe('a ${b} %{c}');
  });
});

describe('decodeQuotedLiteral (literal source in a template -> value)', () => {
  it('decodes HCL escapes', () => {
    expect(decodeQuotedLiteral('say \\"hi\\" \\\\ \\n\\t \\u00e9 \\U0001F600 $${x} %%{y}')).toBe(
      'say "hi" \\ \n\t \u00e9 \u{1F600} ${x} %{y}',
    );
  });

  it('refuses an invalid escape', () => {
    expect(() => decodeQuotedLiteral('a \\q b')).toThrow(HclTemplateError);
    expect(() => decodeQuotedLiteral('a \\u12 b')).toThrow(HclTemplateError);
  });
});

describe('ModuleEvaluator', () => {
  let mod: TerraformModule;
  let ev: ModuleEvaluator;

  beforeAll(async () => {
    mod = await loadModule(join(__dirname, 'fixtures', 'evaluator'));
    ev = await ModuleEvaluator.create(mod, { flag: true });
  });

  it('evaluates templates with quotes, escapes and nested strings', async () => {
    expect(await ev.local('quoted')).toBe('say "hi" to dw and ${literal} \\ back');
    expect(await ev.local('braces')).toBe('x a}, b{ y');
    expect(await ev.local('heredoc')).toBe('hello dw\n');
    expect(await ev.local('literal')).toBe('lit ${y} "q" \\ z');
    const escaped: unknown = JSON.parse(String(await ev.local('escaped')));
    expect(escaped).toEqual({ q: 'a"b\\c\u00e9', 'k"ey': '${x}' });
  });

  it('evaluates jsonencode of an HCL object: quoted and parenthesised keys, numbers, null, bool, references', async () => {
    const pattern: unknown = JSON.parse(String(await ev.local('pattern')));
    expect(pattern).toEqual({
      'detail-type': ['x'],
      numbers: [1.5, -2, 11, null, true],
      nested: { items: ['a', 'b', 'c'], name: 'dw-suffix' },
      'dynamic-key': 'v',
    });
  });

  it('evaluates for expressions, conditionals, operators and merge', async () => {
    expect(await ev.local('list_for')).toEqual(['0:a', '2:c']);
    expect(await ev.local('map_for')).toEqual({ a: 1, b: 1, c: 1 });
    expect(await ev.local('cond')).toBe('yes');
    expect(await ev.local('merged')).toEqual({ a: 1, b: 3 });
    const off = await ModuleEvaluator.create(mod, { flag: false });
    expect(await off.local('cond')).toBe('no');
  });

  it('refuses what it does not understand instead of guessing', async () => {
    await expect(ev.local('unsupported')).rejects.toThrow(/upper\(\) is not supported/);
    await expect(ev.local('unknown')).rejects.toThrow(/local\.nope/);
    // toset() is not implemented either, so a for_each over it fails loudly.
    await expect(ev.resource('aws_thing', 'each')).rejects.toThrow(/toset\(\) is not supported/);
  });

  it('checks module inputs like Terraform', async () => {
    await expect(ModuleEvaluator.create(mod, {})).rejects.toThrow(/variable "flag" is required/);
    await expect(ModuleEvaluator.create(mod, { flag: true, typo: 1 })).rejects.toThrow(/no variable "typo"/);
  });

  it('expands count, resolves attributes lazily, and marks computed ones', async () => {
    const counted = await ev.resource('aws_thing', 'counted');
    expect(Array.isArray(counted) && counted.length).toBe(2);
    const single = await ev.resource('aws_thing', 'single');
    if (!(single instanceof Instance)) throw new TypeError('expected one instance');
    expect(await single.get('name')).toBe('dw-1');
    expect(await single.get('arn')).toBe('<computed:aws_thing.counted[0].arn>');
    const none = await (await ModuleEvaluator.create(mod, { flag: false })).resource('aws_thing', 'counted');
    expect(none).toEqual([]);
    expect(isValueObject(counted)).toBe(false);
  });
});

/**
 * The test-side Terraform reader (support/terraform-module.ts, support/hcl-template.ts):
 * hcl2json strings turned back into HCL and evaluated from HashiCorp's syntax tree.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeQuotedLiteral, HclTemplateError, hasTemplateSequence, literalText, toQuotedTemplate } from './support/hcl-template';
import { TERRAFORM_OPTIONS, terraformBinary } from './support/terraform-cli';
import { Instance, isValueObject, loadModule, ModuleEvaluator, TerraformModule, UnsupportedByReader } from './support/terraform-module';

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

  it('evaluates distinct, strcontains, tostring and urlencode as Terraform does', async () => {
    expect(await ev.local('distinct_list')).toEqual(['b', 'a', 'c']);
    expect(await ev.local('has_ssm')).toBe(true);
    expect(await ev.local('has_sm')).toBe(false);
    // Go's url.QueryEscape: UTF-8 bytes, upper-case hex, space as "+", "-_.~" kept.
    expect(await ev.local('encoded')).toBe('Fake-Token%26%23%24%5E%3C%3E%21+%C3%A9%2F%40%3A%3F%3D%2B+~_.');
    // An interpolation alone is the value itself, not a string: only tostring converts.
    expect(await ev.evaluateSource('"${8080}"')).toBe(8080);
    expect(await ev.evaluateSource('tostring(8080)')).toBe('8080');
    expect(await ev.evaluateSource('tostring(false)')).toBe('false');
    await expect(ev.evaluateSource('tostring(["a"])')).rejects.toThrow(/cannot convert list/);
    await expect(ev.evaluateSource('urlencode("a", "b")')).rejects.toThrow(/urlencode takes one argument/);
    await expect(ev.evaluateSource('strcontains(["a"], "a")')).rejects.toThrow(/expected a string/);
    await expect(ev.evaluateSource('distinct("ab")')).rejects.toThrow(/expected a list/);
  });

  it('evaluates regex, can, try, flatten, replace, keys and the boolean helpers as Terraform does', async () => {
    // can(): false on a failing expression; try(): the first argument that evaluates.
    expect(await ev.local('fallible')).toEqual([false, true, 'fallback', 'first']);
    // regex(): the match, or the list of capture groups (null for an unmatched optional group).
    expect(await ev.local('groups')).toEqual(['eu-west-1', '111122223333']);
    expect(await ev.local('optional')).toEqual([null]);
    expect(await ev.evaluateSource('regex("[0-9]+", "ab123c")')).toBe('123');
    await expect(ev.evaluateSource('regex("^x", "y")')).rejects.toThrow(/did not match/);
    expect(await ev.local('flat')).toEqual(['a', 'b', 'c']);
    expect(await ev.local('replaced')).toBe('config-item-change');
    expect(await ev.local('key_list')).toEqual(['a', 'b']);
    expect(await ev.local('truths')).toEqual([true, false, false, true, true, -3]);
  });

  it('never lets can() or try() swallow what the reader does not implement, or an undeclared name', async () => {
    await expect(ev.local('can_typo')).rejects.toThrow(UnsupportedByReader);
    await expect(ev.local('can_typo')).rejects.toThrow(/local\.nope/);
    await expect(ev.local('regex_re2')).rejects.toThrow(/RE2-only syntax/);
    await expect(ev.evaluateSource('can(upper("x"))')).rejects.toThrow(/upper\(\) is not supported/);
    await expect(ev.evaluateSource('replace("a", "/a/", "b")')).rejects.toThrow(/regex\/ form is not supported/);
  });

  it('evaluates a child module from its own files, with the arguments given to it', async () => {
    expect(await ev.local('from_child')).toBe('hello dw-child');
    // The child's resources are addressed inside it.
    expect(await ev.local('child_arn')).toBe('<computed:module.child.aws_thing.inner.arn>');
    await expect(ev.local('child_output')).rejects.toThrow(/module child has no output "nope"/);
    const child = await ev.childModule('child');
    expect(child.addressPrefix).toBe('module.child.');
    expect(child.variable('label')).toBe('dw-child');
  });

  it('checks variable validation blocks against the inputs', async () => {
    expect(await ev.validationErrors()).toEqual([]);
    const bad = await ModuleEvaluator.create(mod, { flag: true, account_id: '1234', regions: ['eu-west-1', 'Mars'] });
    expect(await bad.validationErrors()).toEqual([
      { variable: 'account_id', message: 'account_id must be a 12-digit AWS account ID.' },
      { variable: 'regions', message: 'regions must be a non-empty list of region names.' },
    ]);
    const empty = await ModuleEvaluator.create(mod, { flag: true, regions: [] });
    expect(await empty.validationErrors()).toEqual([{ variable: 'regions', message: 'regions must be a non-empty list of region names.' }]);
  });

  const terraform = terraformBinary();
  (terraform ? it : it.skip)(
    `agrees with \`terraform console\` on the functions it implements${terraform ? '' : ' (skipped: no terraform binary on PATH)'}`,
    async () => {
      const expressions = [
        'urlencode("Fake-Token&#$^<>! é/@:?=+ ~_.")',
        'urlencode("rediss://:tok@host:6379")',
        'distinct(["b", "a", "b", "c", "a"])',
        '[tostring(8080), tostring(1.5), tostring(true), tostring("x"), "${8080}", "${8080}/x"]',
        'strcontains("arn:aws:secretsmanager:eu-west-1:111122223333:secret:dw-AbCdEf", ":secretsmanager:")',
        'merge({ a = "x", b = "y" }, true ? { c = "z" } : {}, null)',
        'concat(["a"], ["b", "c"])',
        'join(",", ["api", "worker"])',
        'length({ a = 1, b = 2 })',
        '[for k, v in { b = "2", a = "1" } : "${k}=${v}" if v != "3"]',
        'jsonencode({ b = [1, "x", true, null], a = { "k-1" = "<&>" } })',
        'regex("^arn:aws[a-z-]*:events:([a-z0-9-]+):([0-9]{12}):", "arn:aws:events:eu-west-1:111122223333:event-bus/x")',
        'regex("[0-9]+", "ab123c")',
        'regex("a(b)?c", "ac")',
        '[can(regex("^[0-9]{12}$", "1234")), can(regex("^[0-9]{12}$", "111122223333")), try(startswith(null, "x"), "fallback")]',
        '[alltrue([]), anytrue([]), alltrue([true, false]), contains(["a", "b"], "b"), startswith("alias/aws/sqs", "alias/aws/")]',
        'flatten([["a"], [], ["b", ["c"]]])',
        'replace("config_item_change", "_", "-")',
        'keys({ b = 1, a = 2 })',
        '[floor(2.7), floor(-2.5)]',
      ];
      const source = `jsonencode([${expressions.join(', ')}])`;
      const dir = mkdtempSync(join(tmpdir(), 'dw-tf-console-')); // empty: no provider needed
      let out: string;
      try {
        out = execFileSync(terraform ?? 'terraform', ['console'], { ...TERRAFORM_OPTIONS, cwd: dir, input: `${source}\n` });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The console prints the string as a quoted HCL literal: decode it, then the JSON.
      const literal =
        out
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('"') && l.endsWith('"'))
          .pop() ?? '';
      expect(literal).not.toBe('');
      const fromTerraform: unknown = JSON.parse(decodeQuotedLiteral(literal.slice(1, -1)));
      const fromReader: unknown = JSON.parse(String(await ev.evaluateSource(source)));
      expect(fromReader).toEqual(fromTerraform);
    },
  );

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

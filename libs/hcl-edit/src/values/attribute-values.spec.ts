/**
 * Attribute values read by either parser: HashiCorp's (hcl2json) strings hold interpolations as
 * `${…}` text, which must come out the same as tree-sitter's opaque expressions.
 */
import { fromJson, hasTemplateSequence, normaliseOpaque } from './attribute-values';

describe('hcl2json strings', () => {
  it('tells interpolations from escaped ones', () => {
    expect(hasTemplateSequence('${var.x}')).toBe(true);
    expect(hasTemplateSequence('a %{ if x }b%{ endif }')).toBe(true);
    expect(hasTemplateSequence('$${literal} and %%{literal}')).toBe(false);
    expect(fromJson('$${x}')).toEqual({ kind: 'literal', value: '${x}' });
    expect(fromJson('${ aws_security_group.web.id }')).toEqual({
      kind: 'opaque',
      text: 'aws_security_group.web.id',
      display: '${ aws_security_group.web.id }',
    });
  });

  it('normalises opaque text the same way from both parsers', () => {
    expect(normaliseOpaque('aws_security_group.web.id')).toBe('aws_security_group.web.id');
    expect(normaliseOpaque('"${aws_security_group.web.id}"')).toBe('aws_security_group.web.id');
    expect(normaliseOpaque('${aws_security_group.web.id}')).toBe('aws_security_group.web.id');
  });
});

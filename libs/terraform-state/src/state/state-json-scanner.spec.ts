import fc from 'fast-check';
import { StateJsonScanner, StateJsonSyntaxError } from './state-json-scanner';
import { keptInstanceSchema, resourceHeaderSchema, surelyKeptInstance, surelyResourceHeader } from './terraform-state.schema';

/** Scans `text` in chunks of `step` bytes; the resources seen (outline or whole), or the scanner's error. */
function scan(text: string, step: number, options: ConstructorParameters<typeof StateJsonScanner>[1] = {}): unknown[] {
  const seen: unknown[] = [];
  const scanner = new StateJsonScanner(
    {
      member() {},
      resource(_position, outline, whole) {
        seen.push(whole ?? outline);
      },
    },
    options,
  );
  const bytes = Buffer.from(text);
  // Views of one buffer (joined without a copy) and, every third chunk, a copy of its own (joined by copying).
  for (let at = 0, k = 0; at < bytes.length; at += step, k++) {
    const chunk = bytes.subarray(at, at + step);
    scanner.push(k % 3 === 2 ? Buffer.from(chunk) : chunk);
  }
  scanner.finish();
  return seen;
}

function scanError(text: string, step: number, options?: ConstructorParameters<typeof StateJsonScanner>[1]): StateJsonSyntaxError {
  try {
    scan(text, step, options);
  } catch (err) {
    if (err instanceof StateJsonSyntaxError) return err;
    throw err;
  }
  throw new Error('scanned without an error');
}

const state = (resources: unknown[]): string => JSON.stringify({ version: 4, serial: 1, lineage: 'l', resources }, null, 2);

describe('StateJsonScanner', () => {
  it('reads past nested values of any depth up to 512 levels, and refuses deeper nesting like a syntax error', () => {
    const nested = (depth: number): unknown => {
      let value: unknown = 'leaf';
      for (let d = 0; d < depth; d++) value = d % 2 === 0 ? [value] : { k: value };
      return value;
    };
    const resource = (depth: number) => ({
      mode: 'managed',
      type: 'aws_instance',
      name: 'a',
      instances: [{ attributes: { id: 'i-1', deep: nested(depth) } }],
    });
    // resources (1) › resource (2) › instances (3) › instance (4) › attributes (5) › deep.
    expect(scan(state([resource(500)]), 4096)).toEqual([
      { mode: 'managed', type: 'aws_instance', name: 'a', instances: [{ attributes: { id: 'i-1' } }] },
    ]);
    const err = scanError(state([resource(520)]), 4096);
    expect(err.reason).toBe('syntax');
    expect(err.message).toContain('nested deeper than 512 levels');
    expect(err.where).toBe('resources[0]');
  });

  it('refuses one resource larger than maxValueBytes as too_large, naming it (the rest of the state is not waited for)', () => {
    const big = { mode: 'managed', type: 'aws_instance', name: 'big', instances: [{ attributes: { id: 'i-1', blob: 'x'.repeat(5000) } }] };
    const small = { mode: 'managed', type: 'aws_instance', name: 'small', instances: [{ attributes: { id: 'i-2' } }] };
    expect(scan(state([small, big]), 100, { maxValueBytes: 8000 })).toHaveLength(2);
    const err = scanError(state([small, big]), 100, { maxValueBytes: 1000 });
    expect(err.reason).toBe('too_large');
    expect(err.where).toBe('resources[1]');
    expect(err.message).toContain('resources[1] alone is larger than');
  });

  it('walks nested values exactly as JSON.parse judges them (arrays and objects of every value type, any chunking)', () => {
    const resource = fc.record({
      mode: fc.constant('managed'),
      type: fc.constant('aws_instance'),
      name: fc.constant('n'),
      instances: fc.array(fc.record({ attributes: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })) }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(
        resource,
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        fc.constantFrom('', '}', ']', ',', '"', 'x', '-', '1e'),
        (r, step, at, insert) => {
          const text = state([r]);
          const cut = at % text.length;
          const broken = text.slice(0, cut) + insert + text.slice(cut);
          let parsed = true;
          try {
            JSON.parse(broken);
          } catch {
            parsed = false;
          }
          let scanned = true;
          try {
            scan(broken, step);
          } catch (err) {
            if (!(err instanceof StateJsonSyntaxError)) throw err;
            scanned = false;
          }
          // (A valid document that is not a state, e.g. a broken "resources" turned into a string, is the reader's to refuse.)
          if (!parsed) expect(scanned).toBe(false);
          if (insert === '') expect(scanned).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the kept-instance and resource-header checks without zod', () => {
  const value = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.constantFrom('managed', 'data', 'list', 'map', 'tainted', ''),
    fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
  );
  const instanceKeys = [
    'index_key',
    'status',
    'deposed',
    'schema_version',
    'attributes',
    'attributes_flat',
    'sensitive_attributes',
    'identity_schema_version',
    'identity',
    'private',
    'dependencies',
    'create_before_destroy',
  ];
  const headerKeys = ['module', 'mode', 'type', 'name', 'each', 'provider'];
  const objectOf = (keys: string[]) =>
    fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;

  it('are never more lenient than the schemas (a "sure" object always passes zod), and accept what Terraform writes', () => {
    fc.assert(
      fc.property(objectOf(instanceKeys), (instance) => {
        if (surelyKeptInstance(instance)) expect(keptInstanceSchema.safeParse(instance).success).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(objectOf(headerKeys), (resource) => {
        if (surelyResourceHeader(resource)) expect(resourceHeaderSchema.safeParse(resource).success).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(
      surelyKeptInstance({
        index_key: 'a',
        schema_version: 1,
        attributes: { id: 'sg-1' },
        sensitive_attributes: [],
        identity_schema_version: 0,
        identity: { id: 'sg-1' },
        private: 'eyJ9',
        dependencies: ['aws_vpc.main'],
        create_before_destroy: true,
      }),
    ).toBe(true);
    expect(surelyResourceHeader({ module: 'module.a', mode: 'managed', type: 't', name: 'n', each: 'map', provider: 'p' })).toBe(true);
  });
});

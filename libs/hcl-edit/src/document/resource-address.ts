/**
 * Terraform resource addresses: `aws_security_group.workers`,
 * `module.net.module.sg["a"].aws_security_group.this[0]`, `data.aws_vpc.main`.
 */
export interface ModuleStep {
  name: string;
  /** The instance key as written (`0`, `"a"`), when the module uses count / for_each. */
  index?: string;
}

export interface ResourceAddress {
  modules: ModuleStep[];
  mode: 'managed' | 'data';
  type: string;
  name: string;
  /** The instance key as written (`0`, `"a"`), when the resource uses count / for_each. */
  index?: string;
}

/** Parses an address; undefined when it is not one. */
export function parseResourceAddress(address: string): ResourceAddress | undefined {
  let i = 0;
  const identifier = (): string | undefined => {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(address.slice(i));
    if (!match) return undefined;
    i += match[0].length;
    return match[0];
  };
  const index = (): string | undefined | null => {
    if (address[i] !== '[') return undefined;
    let j = i + 1;
    let inString = false;
    for (; j < address.length; j += 1) {
      const ch = address[j];
      if (inString) {
        if (ch === '\\') j += 1;
        else if (ch === '"') inString = false;
      } else if (ch === '"') {
        inString = true;
      } else if (ch === ']') {
        break;
      }
    }
    if (j >= address.length) return null;
    const key = address.slice(i + 1, j);
    i = j + 1;
    return key;
  };
  const dot = (): boolean => {
    if (address[i] !== '.') return false;
    i += 1;
    return true;
  };

  const modules: ModuleStep[] = [];
  while (address.startsWith('module.', i)) {
    i += 'module.'.length;
    const name = identifier();
    const key = index();
    if (!name || key === null || !dot()) return undefined;
    modules.push(key === undefined ? { name } : { name, index: key });
  }
  let mode: ResourceAddress['mode'] = 'managed';
  if (address.startsWith('data.', i)) {
    mode = 'data';
    i += 'data.'.length;
  }
  const type = identifier();
  if (!type || !dot()) return undefined;
  const name = identifier();
  const key = index();
  if (!name || key === null || i !== address.length) return undefined;
  const parsed: ResourceAddress = { modules, mode, type, name };
  if (key !== undefined) parsed.index = key;
  return parsed;
}

export function formatResourceAddress(address: ResourceAddress): string {
  const modules = address.modules.map((m) => `module.${m.name}${m.index === undefined ? '' : `[${m.index}]`}.`).join('');
  const mode = address.mode === 'data' ? 'data.' : '';
  return `${modules}${mode}${address.type}.${address.name}${address.index === undefined ? '' : `[${address.index}]`}`;
}

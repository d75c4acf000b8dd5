#!/usr/bin/env node
/*
 * Cuts a vendor's OpenAPI 3 description down to the operations driftwarden calls, for
 * test/contracts/ (the fakes validate against it). Nothing inside a kept object is changed:
 * operations, schemas and their texts are copied as they are; only whole paths, operations,
 * webhooks and components nothing kept refers to are left out.
 *
 *   node scripts/openapi-subset.js IN.json OUT.json \
 *     --op "post /rest/api/3/search/jql" --op "get /rest/api/3/issue/{issueIdOrKey}" \
 *     [--webhook "/x-webhooks/public_incident.incident_created_v2"] [--schema ErrorResponse]
 *
 * Prints what was kept and how much was cut (for test/contracts/README.md).
 */
'use strict';
const fs = require('node:fs');

function usage(message) {
  process.stderr.write(`${message}\nusage: openapi-subset.js IN.json OUT.json --op "METHOD /path" … [--webhook KEY …] [--schema NAME …]\n`);
  process.exit(2);
}

const [input, output, ...rest] = process.argv.slice(2);
if (!input || !output) usage('IN and OUT are required');
const ops = [];
const webhooks = [];
const extraSchemas = [];
for (let i = 0; i < rest.length; i += 2) {
  const flag = rest[i];
  const value = rest[i + 1];
  if (value === undefined) usage(`${flag} needs a value`);
  if (flag === '--op') {
    const match = /^(get|put|post|delete|patch|head|options)\s+(\/\S*)$/i.exec(value.trim());
    if (!match) usage(`--op expects "METHOD /path", got "${value}"`);
    ops.push({ method: match[1].toLowerCase(), path: match[2] });
  } else if (flag === '--webhook') webhooks.push(value);
  else if (flag === '--schema') extraSchemas.push(value);
  else usage(`unknown option ${flag}`);
}

const spec = JSON.parse(fs.readFileSync(input, 'utf8'));
if (typeof spec.openapi !== 'string' || !spec.openapi.startsWith('3.')) usage(`${input} is not an OpenAPI 3 document`);

const out = { openapi: spec.openapi, info: spec.info };
if (spec.servers) out.servers = spec.servers;
if (spec.security) out.security = spec.security;
out.paths = {};
for (const { method, path } of ops) {
  const item = spec.paths && spec.paths[path];
  if (!item || !item[method]) usage(`${input} has no ${method.toUpperCase()} ${path}`);
  out.paths[path] ??= {};
  for (const key of ['parameters', 'servers', 'summary', 'description']) if (item[key] !== undefined) out.paths[path][key] = item[key];
  out.paths[path][method] = item[method];
}
if (webhooks.length > 0) {
  const source = spec['x-webhooks'] ?? spec.webhooks;
  const key = spec['x-webhooks'] ? 'x-webhooks' : 'webhooks';
  out[key] = {};
  for (const name of webhooks) {
    if (!source || !source[name]) usage(`${input} has no webhook ${name}`);
    out[key][name] = source[name];
  }
}

// Every component the kept parts refer to, transitively.
const components = {};
const pending = [out, ...extraSchemas.map((name) => ({ $ref: `#/components/schemas/${name}` }))];
const seen = new Set();
while (pending.length > 0) {
  const node = pending.pop();
  if (Array.isArray(node)) {
    pending.push(...node);
    continue;
  }
  if (node === null || typeof node !== 'object') continue;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const match = /^#\/components\/([^/]+)\/(.+)$/.exec(value);
      if (!match) usage(`unsupported $ref ${value}`);
      const [, kind, rawName] = match;
      const name = rawName.replace(/~1/g, '/').replace(/~0/g, '~');
      if (seen.has(`${kind}/${name}`)) continue;
      seen.add(`${kind}/${name}`);
      const target = spec.components && spec.components[kind] && spec.components[kind][name];
      if (target === undefined) usage(`${input}: dangling $ref ${value}`);
      (components[kind] ??= {})[name] = target;
      pending.push(target);
    } else {
      pending.push(value);
    }
  }
}
// Security schemes named by the kept operations (or the document).
const schemes = new Set();
for (const item of Object.values(out.paths)) {
  for (const op of Object.values(item)) for (const req of (op && op.security) || []) for (const name of Object.keys(req)) schemes.add(name);
}
for (const req of out.security || []) for (const name of Object.keys(req)) schemes.add(name);
for (const name of schemes) {
  const scheme = spec.components && spec.components.securitySchemes && spec.components.securitySchemes[name];
  if (scheme) (components.securitySchemes ??= {})[name] = scheme;
}
const sorted = {};
for (const kind of Object.keys(components).sort()) {
  sorted[kind] = {};
  for (const name of Object.keys(components[kind]).sort()) sorted[kind][name] = components[kind][name];
}
out.components = sorted;

const text = `${JSON.stringify(out, null, 1)}\n`;
fs.writeFileSync(output, text);
const count = (doc, kind) => Object.keys((doc.components && doc.components[kind]) || {}).length;
const opCount = (doc) =>
  Object.values(doc.paths || {}).reduce(
    (n, item) => n + Object.keys(item).filter((k) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(k)).length,
    0,
  );
process.stdout.write(
  `${output}: ${opCount(out)} of ${opCount(spec)} operations, ${count(out, 'schemas')} of ${count(spec, 'schemas')} schemas, ` +
    `${Object.keys(out['x-webhooks'] || out.webhooks || {}).length} of ${Object.keys(spec['x-webhooks'] || spec.webhooks || {}).length} webhooks, ` +
    `security schemes: ${Object.keys(sorted.securitySchemes || {}).join(', ') || 'none'}; ${text.length} bytes\n`,
);

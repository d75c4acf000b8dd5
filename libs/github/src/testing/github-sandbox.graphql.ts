/**
 * The GitHub sandbox's GraphQL endpoint (`POST /graphql`): every query is parsed and validated
 * against GitHub's own published schema (`@octokit/graphql-schema`, the introspection result
 * GitHub serves, a devDependency) and then executed against the sandbox's git repository.
 *
 * What it answers is the part of the schema driftwarden reads: `repository(owner, name)` →
 * `ref(qualifiedName)` → `target` (a `Commit`: `oid`, `tree`, `file(path)`), `Tree.entries`,
 * `TreeEntry` (`name`, `path`, `mode`, `type`, `oid`, `size`, `extension`, `object`) and `Blob`
 * (`oid`, `byteSize`, `isBinary`, `isTruncated`, `text`), plus `repository.object(expression)`.
 * A query that is valid for GitHub but selects a field the sandbox does not implement gets an
 * error naming that field (a sandbox limit, listed in `unimplemented`), never an invented value.
 *
 * Answers follow GitHub: HTTP 200 with `{data, errors}`; a missing repository is `data.repository:
 * null` with an error of `type: "NOT_FOUND"`; an unknown ref is `null` without an error;
 * validation errors come without `data`. Blob texts longer than `blobTextMaxBytes` are cut and
 * flagged `isTruncated` (GitHub cuts long blobs too; the exact limit is not documented).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  buildClientSchema,
  execute,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
  type IntrospectionQuery,
  parse,
  Source,
  validate,
} from 'graphql';
import type { GitRepository, GitTreeItem } from './git-repository';

const SCHEMA_FILE = join('node_modules', '@octokit', 'graphql-schema', 'schema.json');

let cachedSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema, from `@octokit/graphql-schema` (found from this file upwards). */
export function gitHubGraphqlSchema(): GraphQLSchema {
  if (cachedSchema) return cachedSchema;
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, SCHEMA_FILE);
    if (existsSync(candidate)) {
      const raw = JSON.parse(readFileSync(candidate, 'utf8')) as { data?: IntrospectionQuery } & Partial<IntrospectionQuery>;
      cachedSchema = buildClientSchema((raw.data ?? raw) as IntrospectionQuery, { assumeValid: true });
      return cachedSchema;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(
        `GitHub sandbox: GraphQL needs the devDependency @octokit/graphql-schema (${SCHEMA_FILE} not found above ${__dirname})`,
      );
    dir = parent;
  }
}

/** What GitHub answers when it cannot read the request as GraphQL. */
export interface GraphqlAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface GraphqlContext {
  repository: GitRepository;
  owner: string;
  name: string;
  blobTextMaxBytes: number;
  /** Fields selected that the sandbox does not implement (each once), for tests to assert on. */
  unimplemented: string[];
}

function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { type: 'NOT_FOUND' } });
}

/** `typename` plus the implemented fields; anything else selected is reported, not invented. */
type Node = Record<string, unknown> & { __typename: string };

function blobNode(ctx: GraphqlContext, oid: string): Node {
  let bytes: Promise<Buffer> | undefined;
  const content = (): Promise<Buffer> => (bytes ??= ctx.repository.readBlob(oid));
  const binary = async (): Promise<boolean> => (await content()).subarray(0, 8000).includes(0);
  return {
    __typename: 'Blob',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    byteSize: async () => (await content()).length,
    isBinary: binary,
    isTruncated: async () => (await content()).length > ctx.blobTextMaxBytes,
    text: async () => {
      if (await binary()) return null;
      const buf = await content();
      return (buf.length > ctx.blobTextMaxBytes ? buf.subarray(0, ctx.blobTextMaxBytes) : buf).toString('utf8');
    },
  };
}

function entryNode(ctx: GraphqlContext, item: GitTreeItem, fullPath: string): Node {
  const name = fullPath.split('/').pop() ?? fullPath;
  const dot = name.lastIndexOf('.');
  return {
    __typename: 'TreeEntry',
    name,
    path: fullPath,
    // GitHub answers the git mode as a number (100644 octal = 33188).
    mode: parseInt(item.mode, 8),
    type: item.type,
    oid: item.sha,
    size: item.size ?? 0,
    extension: item.type === 'blob' && dot > 0 ? name.slice(dot) : null,
    object: () => (item.type === 'blob' ? blobNode(ctx, item.sha) : item.type === 'tree' ? treeNode(ctx, item.sha, fullPath) : null),
  };
}

function treeNode(ctx: GraphqlContext, oid: string, prefix: string): Node {
  return {
    __typename: 'Tree',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    entries: async () =>
      (await ctx.repository.listTree(oid, false)).map((item) => entryNode(ctx, item, prefix === '' ? item.path : `${prefix}/${item.path}`)),
  };
}

async function commitNode(ctx: GraphqlContext, oid: string): Promise<Node> {
  const info = await ctx.repository.readCommit(oid);
  return {
    __typename: 'Commit',
    oid,
    abbreviatedOid: oid.slice(0, 7),
    message: info.message,
    tree: treeNode(ctx, info.tree, ''),
    file: async ({ path }: { path: string }) => {
      const clean = path.replace(/^\/+|\/+$/g, '');
      const item = clean === '' ? undefined : await ctx.repository.entryAt(oid, clean);
      return item ? entryNode(ctx, item, clean) : null;
    },
  };
}

async function objectNode(ctx: GraphqlContext, sha: string): Promise<Node | null> {
  const type = await ctx.repository.objectType(sha);
  if (type === 'commit') return commitNode(ctx, sha);
  if (type === 'tree') return treeNode(ctx, sha, '');
  if (type === 'blob') return blobNode(ctx, sha);
  return null;
}

function repositoryNode(ctx: GraphqlContext): Node {
  return {
    __typename: 'Repository',
    name: ctx.name,
    nameWithOwner: `${ctx.owner}/${ctx.name}`,
    ref: async ({ qualifiedName }: { qualifiedName: string }) => {
      // GitHub takes `refs/heads/main` or a bare `main` (looked up as a branch, then a tag).
      const candidates = qualifiedName.startsWith('refs/')
        ? [qualifiedName]
        : [`refs/heads/${qualifiedName}`, `refs/tags/${qualifiedName}`];
      for (const candidate of candidates) {
        const sha = await ctx.repository.refSha(candidate);
        if (!sha) continue;
        const prefix = ['refs/heads/', 'refs/tags/'].find((p) => candidate.startsWith(p)) ?? 'refs/';
        return { __typename: 'Ref', name: candidate.slice(prefix.length), prefix, target: () => objectNode(ctx, sha) };
      }
      return null;
    },
    object: async ({ expression, oid }: { expression?: string; oid?: string }) => {
      const rev = oid ?? expression;
      if (rev === undefined || rev.startsWith('-')) return null;
      const sha = await ctx.repository.resolve(rev);
      return sha ? objectNode(ctx, sha) : null;
    },
  };
}

const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, ctx, info) => {
  const node = source as Record<string, unknown> | null;
  if (node === null || typeof node !== 'object' || !(info.fieldName in node)) {
    const field = `${info.parentType.name}.${info.fieldName}`;
    if (!ctx.unimplemented.includes(field)) ctx.unimplemented.push(field);
    throw new GraphQLError(`the GitHub sandbox does not implement ${field}`);
  }
  const value = node[info.fieldName];
  return typeof value === 'function' ? (value as (a: unknown) => unknown).call(node, args) : value;
};

const typeResolver: GraphQLTypeResolver<unknown, GraphqlContext> = (value) => (value as Node).__typename;

/** GitHub's error shape: `type` at the top level (NOT_FOUND, RATE_LIMITED…), then path, locations, message. */
function gitHubError(error: GraphQLError): Record<string, unknown> {
  const { type, ...extensions } = (error.extensions ?? {}) as { type?: unknown };
  return {
    ...(typeof type === 'string' ? { type } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
    message: error.message,
  };
}

/** Answers one GraphQL request body (already JSON-parsed) the way GitHub does. */
export async function answerGraphql(body: unknown, ctx: GraphqlContext): Promise<GraphqlAnswer> {
  const request = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!request || typeof request.query !== 'string') {
    return { status: 200, body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] } };
  }
  const variables = request.variables ?? {};
  if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) {
    return { status: 200, body: { errors: [{ message: 'Variables are invalid JSON.' }] } };
  }
  const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;
  const schema = gitHubGraphqlSchema();
  let document;
  try {
    document = parse(new Source(request.query, 'GraphQL request'));
  } catch (err) {
    if (err instanceof GraphQLError) return { status: 200, body: { errors: [gitHubError(err)] } };
    throw err;
  }
  const problems = validate(schema, document);
  if (problems.length > 0) return { status: 200, body: { errors: problems.map(gitHubError) } };

  const rootValue = {
    __typename: 'Query',
    repository: ({ owner, name }: { owner: string; name: string }) => {
      if (owner.toLowerCase() !== ctx.owner.toLowerCase() || name.toLowerCase() !== ctx.name.toLowerCase()) {
        throw notFound(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
      }
      return repositoryNode(ctx);
    },
  };
  const result = (await execute({
    schema,
    document,
    rootValue,
    contextValue: ctx,
    variableValues: variables as Record<string, unknown>,
    ...(operationName ? { operationName } : {}),
    fieldResolver,
    typeResolver,
  })) as ExecutionResult;
  return {
    status: 200,
    body: {
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.errors && result.errors.length > 0 ? { errors: result.errors.map(gitHubError) } : {}),
    },
  };
}

import { describePorts, type PermissionRule } from '@driftwarden/kinds/security-group';
/**
 * EC2 API errors as the sandbox answers them: the EC2 error code, its message and the HTTP
 * status EC2 uses for it. Rendered as `<Response><Errors><Error>…` by the server.
 */

export class Ec2ApiError extends Error {
  constructor(
    /** The EC2 error code, e.g. `InvalidPermission.Duplicate`. */
    readonly code: string,
    message: string,
    /** HTTP status of the error response. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'Ec2ApiError';
  }
}

function peerText(rule: PermissionRule): string {
  const p = rule.peer;
  switch (p.kind) {
    case 'ipv4':
    case 'ipv6':
      return p.cidr;
    case 'prefixList':
      return p.prefixListId;
    case 'securityGroup':
      return p.groupId;
  }
}

/** `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`, the way EC2 names a rule in errors. */
function ruleText(rule: PermissionRule): string {
  const protocol = rule.protocol === '-1' ? 'ALL' : rule.protocol.toUpperCase();
  const ports = rule.fromPort === null ? '' : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peerText(rule)}, ${protocol}${ports}, ALLOW`;
}

export const ec2Errors = {
  invalidAction: (action: string) => new Ec2ApiError('InvalidAction', `The action ${action} is not valid for this web service.`),
  missingAction: () => new Ec2ApiError('MissingAction', 'The request must contain the parameter Action.'),
  missingParameter: (name: string) => new Ec2ApiError('MissingParameter', `The request must contain the parameter ${name}`),
  unknownParameter: (name: string) => new Ec2ApiError('UnknownParameter', `The parameter ${name} is not recognized`),
  invalidParameterValue: (message: string) => new Ec2ApiError('InvalidParameterValue', message),
  invalidParameterCombination: (message: string) => new Ec2ApiError('InvalidParameterCombination', message),
  unsupported: (message: string) => new Ec2ApiError('UnsupportedOperation', message),
  invalidPaginationToken: () => new Ec2ApiError('InvalidPaginationToken', 'The specified pagination token is not valid or is expired.'),
  authFailure: () => new Ec2ApiError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401),
  dryRun: () => new Ec2ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
  groupNotFound: (groupId: string) => new Ec2ApiError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`),
  groupIdMalformed: (groupId: string) => new Ec2ApiError('InvalidGroupId.Malformed', `Invalid id: "${groupId}" (expecting "sg-...")`),
  duplicate: (rule: PermissionRule) =>
    new Ec2ApiError('InvalidPermission.Duplicate', `the specified rule "${ruleText(rule)}" already exists`),
  permissionNotFound: () => new Ec2ApiError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.'),
  ruleIdNotFound: (ruleId: string) =>
    new Ec2ApiError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${ruleId}' does not exist`),
  invalidPermission: (path: string, rule: Pick<PermissionRule, 'protocol' | 'fromPort' | 'toPort'> | null, problem: string) =>
    new Ec2ApiError('InvalidParameterValue', `${path}${rule ? ` (${describePorts(rule)})` : ''}: ${problem}`),
};

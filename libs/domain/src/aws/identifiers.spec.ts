import { arnProblem, isAccountId, isRegion, isResourceType, resourceIdProblem } from './identifiers';

describe('AWS identifiers at the edge', () => {
  it.each(['111122223333', '000000000000'])('account %s is accepted', (v) => expect(isAccountId(v)).toBe(true));
  it.each(['not-an-account', '11112222333', '1111222233334', '11112222333a', ' 111122223333', '111122223333\n'])(
    'account %j is refused',
    (v) => expect(isAccountId(v)).toBe(false),
  );

  // Every partition's region form, including the newest regions.
  it.each([
    'eu-west-1',
    'us-east-1',
    'ap-southeast-5',
    'mx-central-1',
    'il-central-1',
    'ca-west-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-west-1',
    'us-gov-east-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
  ])('region %s is accepted', (v) => expect(isRegion(v)).toBe(true));
  it.each(['../../etc/passwd', 'eu-west', 'EU-WEST-1', 'eu-west-1 ', 'eu_west_1', 'eu-west-1/x', '', 'e-west-1', 'eu-west-123'])(
    'region %j is refused',
    (v) => expect(isRegion(v)).toBe(false),
  );

  it.each(['AWS::EC2::SecurityGroup', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::EC2::VOLUME', 'MyCompany::Custom::Thing'])(
    'resource type %s is accepted',
    (v) => expect(isResourceType(v)).toBe(true),
  );
  it.each(['AWS::EC2', 'AWS::EC2::Security_Group', 'AWS::EC2::SecurityGroup/x', 'aws:ec2:sg', ''])('resource type %j is refused', (v) =>
    expect(isResourceType(v)).toBe(false),
  );

  describe('resource ids', () => {
    const accepted: [string, string][] = [
      ['AWS::EC2::SecurityGroup', 'sg-0abc1234def567890'],
      ['AWS::EC2::SecurityGroup', 'sg-12345678'],
      ['AWS::EC2::NetworkAcl', 'acl-0abc1234def567890'],
      ['AWS::EC2::Instance', 'i-0abc1234def567890'],
      ['AWS::EC2::VPC', 'vpc-0123456789abcdef0'],
      ['AWS::S3::Bucket', 'my-bucket.example.com'],
      ['AWS::S3::Bucket', 'Legacy_Bucket_Created_Before_2018'],
      ['AWS::S3::Bucket', 'abc'],
      // Auto Scaling groups: Config's id is the ARN; a group's name may hold spaces, ':' and '/'.
      [
        'AWS::AutoScaling::AutoScalingGroup',
        'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:6d1b1a2e-0c9f-4b8e-9d2a-3f6c7e8a9b0c:autoScalingGroupName/web fleet (blue)/v2',
      ],
      ['AWS::AutoScaling::AutoScalingGroup', 'web fleet: blue/green #2 [prod] ü'],
      [
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188',
      ],
      ['AWS::IAM::Role', 'AROAEXAMPLEID123456789'],
      [
        'AWS::CloudFormation::Stack',
        'arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/network/1a2b3c4d-0000-1111-2222-333344445555',
      ],
      ['AWS::Route53::HostedZone', 'Z0123456789ABCDEFGHIJ'],
      ['AWS::CodeDeploy::DeploymentConfig', 'CodeDeployDefault.OneAtATime'],
      ['AWS::Redshift::ClusterSnapshot', 'rs:cluster-2025-03-04-10-15-00'],
      ['AWS::Config::ResourceCompliance', 'AWS::EC2::SecurityGroup/sg-0abc1234def567890'],
      ['AWS::S3::AccountPublicAccessBlock', '111122223333'],
      ['AWS::Lambda::Function', 'x'.repeat(64)],
    ];
    it.each(accepted)('%s %j is accepted', (type, id) => expect(resourceIdProblem(type, id)).toBeNull());

    const refused: [string, string, RegExp][] = [
      ['AWS::EC2::SecurityGroup', 'sg-1/../x', /path segment/],
      ['AWS::EC2::SecurityGroup', 'sg-1/x', /sg- and letters or digits, no "\/"/],
      ['AWS::EC2::SecurityGroup', 'SG-0ABC', /expected an id such as sg-/],
      ['AWS::EC2::SecurityGroup', 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1', /expected an id such as sg-/],
      ['AWS::EC2::NetworkAcl', 'sg-0abc1234def567890', /acl-/],
      ['AWS::S3::Bucket', 'bucket/key', /S3 bucket name/],
      ['AWS::S3::Bucket', 'ab', /S3 bucket name/],
      ['AWS::AutoScaling::AutoScalingGroup', 'web/../../etc', /path segment/],
      ['AWS::AutoScaling::AutoScalingGroup', 'web\nfleet', /control characters/],
      ['AWS::Lambda::Function', 'f\u0000', /control characters/],
      ['AWS::Lambda::Function', 'f\u001b[31m', /control characters/],
      ['AWS::Lambda::Function', 'f\u2028', /control characters/],
      ['AWS::Lambda::Function', 'f\ud800', /surrogate/],
      ['AWS::Lambda::Function', '..', /path segment/],
      ['AWS::Lambda::Function', 'a\\..\\b', /path segment/],
      ['AWS::Lambda::Function', '', /non-empty/],
      ['AWS::Lambda::Function', 'x'.repeat(769), /at most 768/],
      [
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'arn:aws:elasticloadbalancing:eu-west-1a:111122223333:loadbalancer/app',
        /expected an ARN/,
      ],
      [
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        'arn:aws:elasticloadbalancing:eu-west-1:not-an-account:loadbalancer/app',
        /expected an ARN/,
      ],
    ];
    it.each(refused)('%s %j is refused', (type, id, message) => expect(resourceIdProblem(type, id)).toMatch(message));
  });

  it.each([
    ['arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0abc1234def567890', null],
    ['arn:aws:s3:::my-bucket', null],
    ['arn:aws:iam::aws:policy/ReadOnlyAccess', null],
    ['arn:aws-iso-b:ec2:us-isob-east-1:111122223333:instance/i-0abc', null],
    ['arn:aws:ec2:eu-west-1:111122223333:security-group/../sg-1', /path segment/],
    ['arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1\r\nx', /control characters/],
    ['arn:aws:ec2:eu-west-1:111122223333', /expected an ARN/],
    ['arn:gcp:ec2:eu-west-1:111122223333:x', /expected an ARN/],
    [`arn:aws:s3:::${'x'.repeat(2048)}`, /at most 2048/],
  ] as [string, RegExp | null][])('ARN %j', (arn, problem) => {
    if (problem === null) expect(arnProblem(arn)).toBeNull();
    else expect(arnProblem(arn)).toMatch(problem);
  });
});

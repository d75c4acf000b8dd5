/**
 * The test matcher against documented EventBridge semantics. Examples are taken from the
 * EventBridge User Guide ("Content filtering in event patterns", "Arrays in event
 * patterns", "Comparison operators") and the aws/event-ruler README, the library EventBridge
 * matches with.
 */
import { EventJson, InvalidPatternError, matchesPattern } from './support/event-pattern';

// The sample event of the EventBridge guide and the event-ruler README.
const ec2Event: EventJson = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

describe('EventBridge pattern matcher', () => {
  describe('exact values', () => {
    it('matches when every named field matches and ignores fields the pattern does not name', () => {
      expect(
        matchesPattern(
          {
            'detail-type': ['EC2 Instance State-change Notification'],
            resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
            detail: { state: ['initializing', 'running'] },
          },
          ec2Event,
        ),
      ).toBe(true);
    });

    it('is an AND across fields', () => {
      expect(matchesPattern({ source: ['aws.ec2'], detail: { state: ['stopped'] } }, ec2Event)).toBe(false);
    });

    it('is case-sensitive', () => {
      expect(matchesPattern({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
    });

    it('compares numbers as numbers and never as strings', () => {
      expect(matchesPattern({ detail: { 'c-count': [5] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { 'c-count': ['5'] } }, ec2Event)).toBe(false);
      expect(matchesPattern({ detail: { 'x-limit': [301.8] } }, ec2Event)).toBe(true);
    });

    it('matches null and empty strings exactly (guide: "Matching on null values and empty strings")', () => {
      const event: EventJson = { detail: { responseElements: null, eventVersion: '' } };
      expect(matchesPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
      expect(matchesPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
      expect(matchesPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
      expect(matchesPattern({ detail: { missing: [null] } }, event)).toBe(false);
    });

    it('matches JSON booleans (CloudTrail readOnly)', () => {
      expect(matchesPattern({ detail: { readOnly: [false] } }, { detail: { readOnly: false } })).toBe(true);
      expect(matchesPattern({ detail: { readOnly: [false] } }, { detail: { readOnly: 'false' } })).toBe(false);
    });

    it('does not match a field that is absent, or an object where a value is expected', () => {
      expect(matchesPattern({ detail: { nope: ['x'] } }, ec2Event)).toBe(false);
      expect(matchesPattern({ detail: ['x'] }, ec2Event)).toBe(false);
    });
  });

  describe('arrays', () => {
    it('matches an event array when the intersection is non-empty (guide: "Arrays in event patterns")', () => {
      const event: EventJson = {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      };
      expect(
        matchesPattern(
          {
            resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'],
          },
          event,
        ),
      ).toBe(true);
      expect(matchesPattern({ resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] }, event)).toBe(false);
    });

    const employees: EventJson = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };

    it('treats objects inside an array as values of the parent field (event-ruler "JSON Array Matching")', () => {
      expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
      expect(matchesPattern({ employees: { firstName: ['Anna'] } }, { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }]] })).toBe(
        true,
      );
    });

    it('never combines fields from different elements of one array (array-consistent matching)', () => {
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    });
  });

  describe('prefix', () => {
    it('matches string values that start with the prefix', () => {
      expect(matchesPattern({ time: [{ prefix: '2017-10-02' }] }, ec2Event)).toBe(true);
      expect(matchesPattern({ time: [{ prefix: '2017-10-03' }] }, ec2Event)).toBe(false);
    });

    it('only works on strings', () => {
      expect(matchesPattern({ detail: { 'c-count': [{ prefix: '5' }] } }, ec2Event)).toBe(false);
    });
  });

  describe('anything-but', () => {
    it('matches any value except the given string or number', () => {
      expect(matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { state: [{ 'anything-but': 'running' }] } }, ec2Event)).toBe(false);
      expect(matchesPattern({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { 'c-count': [{ 'anything-but': 5 }] } }, ec2Event)).toBe(false);
    });

    it('takes a list of values', () => {
      expect(matchesPattern({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, ec2Event)).toBe(false);
      expect(matchesPattern({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, ec2Event)).toBe(true);
    });

    it('takes a prefix', () => {
      expect(matchesPattern({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, ec2Event)).toBe(false);
    });

    it('needs the field to be present', () => {
      expect(matchesPattern({ detail: { nope: [{ 'anything-but': 'x' }] } }, ec2Event)).toBe(false);
    });
  });

  describe('exists', () => {
    it('exists: true matches a present leaf, including null', () => {
      expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { errorCode: [{ exists: true }] } }, { detail: { errorCode: null } })).toBe(true);
      expect(matchesPattern({ detail: { errorCode: [{ exists: true }] } }, ec2Event)).toBe(false);
    });

    it('exists: false matches an absent leaf, also when its parent is absent', () => {
      expect(matchesPattern({ detail: { errorCode: [{ exists: false }] } }, ec2Event)).toBe(true);
      expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, ec2Event)).toBe(false);
      expect(matchesPattern({ nothing: { here: [{ exists: false }] } }, ec2Event)).toBe(true);
    });

    it('works on leaves only: an object is not a leaf (event-ruler README)', () => {
      const event: EventJson = { detail: { state: 'running', 'c-count': { c1: 100 } } };
      expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
      expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
    });
  });

  describe('$or', () => {
    const alarm: EventJson = { source: 'aws.cloudwatch', metricName: 'ReadLatency', namespace: 'AWS/RDS' };

    it('matches when one alternative matches, AND-ed with the other fields', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      };
      expect(matchesPattern(pattern, alarm)).toBe(true);
      expect(matchesPattern(pattern, { ...alarm, metricName: 'Other' })).toBe(false);
      expect(matchesPattern(pattern, { ...alarm, metricName: 'Other', namespace: 'AWS/ES' })).toBe(true);
      expect(matchesPattern(pattern, { ...alarm, source: 'aws.ec2' })).toBe(false);
    });

    it('nests, and an alternative may itself be an AND', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization'] },
          { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      };
      const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' };
      expect(matchesPattern(pattern, { ...base, spaceId: 1000 })).toBe(true);
      expect(matchesPattern(pattern, { ...base, spaceId: 1 })).toBe(false);
      expect(matchesPattern(pattern, { ...base, namespace: 'AWS/ES', metricId: 1234 })).toBe(false);
    });

    it('works inside nested objects — the shape of one rule for both Config notification kinds', () => {
      const pattern = {
        detail: {
          $or: [
            { configurationItem: { resourceType: ['AWS::EC2::SecurityGroup'] } },
            { configurationItemSummary: { resourceType: ['AWS::EC2::SecurityGroup'] } },
          ],
        },
      };
      expect(matchesPattern(pattern, { detail: { configurationItem: { resourceType: 'AWS::EC2::SecurityGroup' } } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { configurationItemSummary: { resourceType: 'AWS::EC2::SecurityGroup' } } })).toBe(true);
      expect(matchesPattern(pattern, { detail: { configurationItem: { resourceType: 'AWS::S3::Bucket' } } })).toBe(false);
    });
  });

  describe('invalid patterns are rejected, not guessed', () => {
    it.each([
      ['a leaf that is not an array', { source: 'aws.ec2' }],
      ['an empty leaf array', { source: [] }],
      ['an empty pattern', {}],
      ['an empty nested object', { detail: {} }],
      ['an unsupported operator', { detail: { 'c-count': [{ numeric: ['>', 0] }] } }],
      ['a filter with two operators', { source: [{ prefix: 'a', suffix: 'b' }] }],
      ['exists with a non-boolean', { source: [{ exists: 'yes' }] }],
      ['$or with one alternative', { $or: [{ source: ['aws.ec2'] }] }],
      ['an invalid part behind a failing field', { source: ['nope'], detail: { state: 'running' } }],
    ])('%s', (_name, pattern) => {
      expect(() => matchesPattern(pattern, ec2Event)).toThrow(InvalidPatternError);
    });
  });
});

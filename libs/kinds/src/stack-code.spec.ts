import { ignoreChangesIn, ignoreChangesNote, isIgnored } from './stack-code';

const TF = `resource "aws_autoscaling_group" "checkout" {
  min_size = 4
  max_size = 8
  lifecycle {
    ignore_changes = [desired_capacity, tags["team"], metadata_options[0].http_tokens, "load_balancers"]
  }
}
resource "aws_instance" "a" {
  lifecycle { ignore_changes = all }
}
resource "aws_instance" "b" {
  ami = "ami-1"
}
resource "aws_instance" "c" {
  lifecycle { ignore_changes = var.ignored }
}
`;

describe('lifecycle.ignore_changes', () => {
  it('reads references, indexed references and legacy strings', async () => {
    expect(await ignoreChangesIn(TF, 'aws_autoscaling_group', 'checkout')).toEqual([
      'desired_capacity',
      'tags',
      'metadata_options.http_tokens',
      'load_balancers',
    ]);
  });

  it('reads `all` and an absent lifecycle', async () => {
    expect(await ignoreChangesIn(TF, 'aws_instance', 'a')).toBe('all');
    expect(await ignoreChangesIn(TF, 'aws_instance', 'b')).toEqual([]);
  });

  it('refuses what it cannot read, and a block that is not in the file', async () => {
    await expect(ignoreChangesIn(TF, 'aws_instance', 'c')).rejects.toThrow('is not a list or "all"');
    await expect(ignoreChangesIn(TF, 'aws_instance', 'zzz')).rejects.toThrow('declares no resource aws_instance.zzz');
  });

  it('ignores a path through itself or a parent, never when the code was not read', () => {
    const ignore = { read: true as const, commit: 'abcdef0123456789', path: 'main.tf', ignored: ['metadata_options', 'desired_capacity'] };
    expect(isIgnored(ignore, 'metadata_options.http_tokens')).toBe(true);
    expect(isIgnored(ignore, 'desired_capacity')).toBe(true);
    expect(isIgnored(ignore, 'min_size')).toBe(false);
    expect(isIgnored({ read: false, reason: 'GitHub is down' }, 'min_size')).toBe(false);
    expect(ignoreChangesNote(ignore)).toBe('lifecycle.ignore_changes in main.tf@abcdef012345: metadata_options, desired_capacity');
    expect(ignoreChangesNote({ read: false, reason: 'GitHub is down' })).toContain('could not be read (GitHub is down)');
  });
});

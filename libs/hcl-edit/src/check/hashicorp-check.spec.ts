import { checkParsesWithHashicorp } from './hashicorp-check';

describe('checkParsesWithHashicorp', () => {
  it("answers HashiCorp's reading of valid HCL", async () => {
    const check = await checkParsesWithHashicorp('main.tf', 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n');
    expect(check).toEqual({ ok: true, json: { resource: { aws_s3_bucket: { logs: [{ bucket: 'logs' }] } } } });
  });

  it("answers the parser's diagnostics, naming the file and the line, when it rejects the text", async () => {
    const check = await checkParsesWithHashicorp('broken.tf', 'resource "aws_s3_bucket" "logs" {\n  bucket = \n}\n');
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.message).toMatch(/broken\.tf:2/);
  });
});

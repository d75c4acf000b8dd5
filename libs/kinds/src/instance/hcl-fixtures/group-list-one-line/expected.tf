resource "aws_instance" "payments" {
  vpc_security_group_ids = ["sg-0a000000000000001", "sg-0a000000000000003"] # web only
}

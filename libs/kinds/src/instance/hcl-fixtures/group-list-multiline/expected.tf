resource "aws_instance" "payments" {
  ami = "ami-0123456789abcdef0"
  vpc_security_group_ids = [
    "sg-0a000000000000001",
  ]
}

resource "aws_instance" "payments" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.small"
}

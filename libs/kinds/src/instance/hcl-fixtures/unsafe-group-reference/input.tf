resource "aws_instance" "payments" {
  vpc_security_group_ids = [aws_security_group.web.id]
}

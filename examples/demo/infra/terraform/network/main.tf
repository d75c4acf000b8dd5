# Security groups of the checkout platform (the demo's Terraform stack).
# driftwarden's demo applies this code to a sandbox AWS account, then changes the groups by
# hand the way people (and attackers) do on a Friday afternoon.

resource "aws_security_group" "web" {
  name        = "web"
  description = "web tier"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    team = "payments"
  }
}

resource "aws_security_group" "workers" {
  name        = "workers"
  description = "checkout workers"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  # Partner callbacks (legacy): reachable from anywhere.
  ingress {
    description = "partner callbacks"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    team = "checkout"
  }
}

resource "aws_security_group" "queue" {
  name        = "queue"
  description = "message queue"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {
    description = "AMQP from the VPC"
    from_port   = 5672
    to_port     = 5672
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }

  tags = {
    team = "checkout"
  }
}

resource "aws_security_group" "edge" {
  name        = "edge"
  description = "public edge"
  vpc_id      = "vpc-0123456789abcdef0"

  ingress {
    description = "HTTPS from the internet"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = {
    team = "payments"
  }
}

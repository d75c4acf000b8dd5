variable "name" {
  type = string
}

resource "aws_launch_template" "this" {
  name_prefix = var.name
}

resource "aws_autoscaling_group" "this" {
  name     = var.name
  min_size = 2
  max_size = 6

  launch_template {
    id      = aws_launch_template.this.id
    version = "$Latest"
  }
}

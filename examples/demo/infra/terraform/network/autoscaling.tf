# The checkout service's instances (the demo's Auto Scaling group). The autoscaler moves the
# desired capacity between min_size and max_size, so Terraform ignores it: driftwarden does too.

resource "aws_autoscaling_group" "checkout" {
  name                = "checkout"
  min_size            = 4
  max_size            = 20
  desired_capacity    = 4
  vpc_zone_identifier = ["subnet-0123456789abcdef0"]

  launch_template {
    id      = "lt-0123456789abcdef0"
    version = "$Latest"
  }

  tag {
    key                 = "team"
    value               = "checkout"
    propagate_at_launch = true
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

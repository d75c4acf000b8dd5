resource "aws_autoscaling_group" "checkout" {
  name             = "checkout"
  min_size         = 12 # peak: see runbook
  max_size         = 20
  desired_capacity = 4

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_group" "checkout" {
  name             = "checkout"
  min_size         = 12
  max_size         = 20
  desired_capacity = 12
}

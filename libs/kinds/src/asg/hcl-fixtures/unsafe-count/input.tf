resource "aws_autoscaling_group" "workers" {
  count    = 3
  min_size = 1
  max_size = 2
}

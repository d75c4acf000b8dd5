resource "aws_autoscaling_group" "checkout" {
  min_size = var.checkout_min
  max_size = 20
}

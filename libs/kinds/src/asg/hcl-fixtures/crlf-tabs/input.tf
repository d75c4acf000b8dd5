resource "aws_autoscaling_group" "checkout" {
	name     = "checkout"
	min_size = 4
	max_size = 20
}

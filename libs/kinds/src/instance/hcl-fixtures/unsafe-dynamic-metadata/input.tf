resource "aws_instance" "payments" {
  dynamic "metadata_options" {
    for_each = var.imds
    content {
      http_tokens = metadata_options.value
    }
  }
}

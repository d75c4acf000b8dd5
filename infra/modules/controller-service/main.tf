# The driftwarden controller as an ECS Fargate service (DESIGN.md §9): the HTTP API and
# webhooks, the queue workers and the scheduler in one container, desired_count replicas
# sharing the work through Redis.
#
#   container   the repository's image, port 8080, read-only root filesystem (a writable /tmp
#               volume), non-root user, all Linux capabilities dropped, health check with
#               node itself (the image has no curl)
#   config      DRIFTWARDEN_CONFIG_YAML = the whole driftwarden.yaml (secrets as env:NAME),
#               secrets injected by ECS from Secrets Manager / SSM (REDIS_URL included)
#   roles       task role = the controller role (controller-iam); execution role = only
#               what ECS needs to start the task: read exactly these secrets, write this
#               log group, optionally pull from the given ECR repositories
#   network     private subnets, no public IP; egress tcp/443 (AWS, PagerDuty, Opsgenie,
#               GitHub) and tcp/6379 to Redis only; ingress tcp/8080 from the load
#               balancer only, or none
#   deployment  rolling, circuit breaker with rollback: a release that cannot become healthy
#               is rolled back instead of replacing the running replicas

locals {
  container_name = "driftwarden"
  container_port = 8080

  # Liveness without curl: node 20 has fetch. Exit 0 on a 2xx from /healthz, 1 on anything
  # else, including no answer within 4 s (ECS's own timeout is 5 s).
  health_check_script = "fetch('http://127.0.0.1:${local.container_port}/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

  # Plain environment: the configuration text, never a secret (see var.config_yaml). PORT
  # pins the listener to the container port whatever api.port says. ECS wants every value
  # as a JSON string: tostring, since "${local.container_port}" alone would stay a number.
  environment = merge(
    var.environment,
    {
      DRIFTWARDEN_CONFIG_YAML = var.config_yaml
      LOG_LEVEL               = var.log_level
      PORT                    = tostring(local.container_port)
    },
    length(var.roles) > 0 ? { DRIFTWARDEN_ROLES = join(",", var.roles) } : {},
  )

  # Secrets, injected by ECS at start (the values never appear in the task definition).
  secrets = merge(var.secrets, { REDIS_URL = var.redis_url_secret_arn })

  # What the execution role may read: exactly the ARNs above, by service.
  secretsmanager_secret_arns = distinct([for name, arn in local.secrets : arn if strcontains(arn, ":secretsmanager:")])
  ssm_parameter_arns         = distinct([for name, arn in local.secrets : arn if strcontains(arn, ":ssm:")])

  container = {
    name      = local.container_name
    image     = var.image
    essential = true

    user                   = var.container_user
    readonlyRootFilesystem = true
    # Nothing in the controller writes to disk; /tmp stays writable (task storage, not the
    # image) for libraries that expect it.
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    linuxParameters = {
      initProcessEnabled = true # an init as PID 1 forwards SIGTERM and reaps children
      capabilities       = { drop = ["ALL"] }
    }

    portMappings = [{ containerPort = local.container_port, hostPort = local.container_port, protocol = "tcp" }]

    environment = [for name, value in local.environment : { name = name, value = value }]
    secrets     = [for name, arn in local.secrets : { name = name, valueFrom = arn }]

    healthCheck = {
      command     = ["CMD", "node", "-e", local.health_check_script]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 60 # start-up waits for Redis (up to 5 s) and builds the Nest application
    }

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.controller.name
        "awslogs-region"        = var.region
        "awslogs-stream-prefix" = "controller"
        # A CloudWatch Logs hiccup must not block the controller's stdout (and with it the
        # event loop that renews job locks): buffer, and drop lines if the buffer fills.
        "mode"            = "non-blocking"
        "max-buffer-size" = "25m"
      }
    }
  }
}

# ---------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "controller" {
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

# ---------------------------------------------------------------------------------------
# Task execution role: what ECS needs to start the task, nothing the controller uses.
# ---------------------------------------------------------------------------------------

data "aws_iam_policy_document" "execution_trust" {
  statement {
    sid     = "EcsTasksAssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Confused-deputy protection: only ECS on behalf of this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  # awslogs driver: create this task's stream and write to it, in this log group only. The
  # provider gives the group's ARN without the ":*" CloudWatch appends; the streams are
  # "<group ARN>:log-stream:<name>".
  statement {
    sid     = "WriteControllerLogs"
    effect  = "Allow"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      aws_cloudwatch_log_group.controller.arn,
      "${aws_cloudwatch_log_group.controller.arn}:*",
    ]
  }

  dynamic "statement" {
    for_each = length(local.secretsmanager_secret_arns) > 0 ? ["secretsmanager"] : []
    content {
      sid       = "ReadContainerSecrets"
      effect    = "Allow"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secretsmanager_secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) > 0 ? ["ssm"] : []
    content {
      sid       = "ReadContainerParameters"
      effect    = "Allow"
      actions   = ["ssm:GetParameters"]
      resources = local.ssm_parameter_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.secrets_kms_key_arns) > 0 ? ["kms"] : []
    content {
      sid       = "DecryptSecretsThroughSecretsManagerAndSsm"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = var.secrets_kms_key_arns

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com", "ssm.${var.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? ["ecr-token"] : []
    content {
      sid       = "GetEcrAuthorizationToken"
      effect    = "Allow"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"] # no resource-level permissions
    }
  }

  dynamic "statement" {
    for_each = length(var.ecr_repository_arns) > 0 ? ["ecr-pull"] : []
    content {
      sid       = "PullControllerImage"
      effect    = "Allow"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
      resources = var.ecr_repository_arns
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  description        = "driftwarden controller: ECS task execution (secrets, logs, image pull)"
  assume_role_policy = data.aws_iam_policy_document.execution_trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "driftwarden-task-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ---------------------------------------------------------------------------------------
# Task definition and service
# ---------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "controller" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # Task storage for /tmp (the root filesystem is read-only).
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([local.container])

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(setintersection(keys(var.environment), keys(var.secrets))) == 0
      error_message = "A variable cannot be both in environment and in secrets."
    }
  }
}

resource "aws_ecs_service" "controller" {
  name             = var.name
  cluster          = var.cluster_arn
  task_definition  = aws_ecs_task_definition.controller.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"

  # Rolling deployment that never goes below the running replicas; a release whose tasks do
  # not become healthy fails and rolls back to the last good one.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.controller.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = var.load_balancer == null ? [] : [var.load_balancer]
    content {
      target_group_arn = load_balancer.value.target_group_arn
      container_name   = local.container_name
      container_port   = local.container_port
    }
  }

  # Only valid for a service behind a load balancer.
  health_check_grace_period_seconds = var.load_balancer == null ? null : var.health_check_grace_period_seconds

  # ECS Exec would need ssmmessages permissions on the controller's role: off.
  enable_execute_command  = false
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  tags = var.tags

  # Tasks cannot start (secrets, logs) before the execution role has its policy.
  depends_on = [aws_iam_role_policy.execution]
}

# ---------------------------------------------------------------------------------------
# Security group
# ---------------------------------------------------------------------------------------

# A new group has no ingress, and Terraform removes the default allow-all egress: the rules
# below are all there is. DNS (the VPC resolver) is not subject to security groups.
resource "aws_security_group" "controller" {
  name        = "${var.name}-controller"
  description = "driftwarden controller tasks"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-controller" })
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = { for cidr in var.https_egress_cidr_blocks : cidr => cidr }

  security_group_id = aws_security_group.controller.id
  description       = "HTTPS: AWS APIs, PagerDuty, Opsgenie, GitHub"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
  tags              = var.tags
}

resource "aws_vpc_security_group_egress_rule" "redis" {
  security_group_id            = aws_security_group.controller.id
  description                  = "Redis (TLS)"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = var.redis_security_group_id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "load_balancer" {
  # Known at plan time even when the load balancer is created in the same apply: the object
  # is, only its attributes are not.
  count = var.load_balancer == null ? 0 : 1

  security_group_id            = aws_security_group.controller.id
  description                  = "API and webhooks from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.container_port
  to_port                      = local.container_port
  referenced_security_group_id = var.load_balancer.security_group_id
  tags                         = var.tags
}

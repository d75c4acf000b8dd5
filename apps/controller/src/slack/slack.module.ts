import { Module, type DynamicModule } from '@nestjs/common';
import { SlackController } from './slack.controller';
import { SlackNotifier } from './slack-notifier.service';

/**
 * Slack approvals (`notifications.slack`): the notifier (every role that delivers notifications
 * uses it) and, in role `api`, `POST /v1/slack/actions`.
 */
@Module({})
export class SlackModule {
  static forRoot(opts: { api: boolean }): DynamicModule {
    return { module: SlackModule, controllers: opts.api ? [SlackController] : [], providers: [SlackNotifier], exports: [SlackNotifier] };
  }
}

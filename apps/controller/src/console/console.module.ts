import { Module } from '@nestjs/common';
import { ConsoleAssets } from './console-assets';
import { FreezeStream } from './freeze-stream.service';
import { FreezeStreamController } from './freeze-stream.controller';
import { MeController } from './me.controller';
import { UiController } from './ui.controller';

/**
 * The web console (role `api`): the built single-page app at `/ui/`, who the token is
 * (`GET /v1/me`) and the live freeze (`GET /v1/freeze/stream`). Everything else the console
 * shows comes from the v1 API, with the same roles and audit as any other client.
 */
@Module({
  controllers: [UiController, MeController, FreezeStreamController],
  providers: [{ provide: ConsoleAssets, useFactory: () => ConsoleAssets.load() }, FreezeStream],
})
export class ConsoleModule {}

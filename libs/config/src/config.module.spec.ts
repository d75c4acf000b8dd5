import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { parse } from '../test/config-fixtures';
import type { DriftwardenConfig } from './config.schema';
import {
  ConfigModule,
  DRIFTWARDEN_CONFIG,
  DRIFTWARDEN_ROLES,
  DRIFTWARDEN_RUNTIME,
  InjectConfig,
  InjectRoles,
  InjectRuntime,
  hasRole,
} from './config.module';
import type { DriftwardenRuntime, Role } from './runtime';

@Injectable()
class NeedsConfig {
  constructor(
    @InjectConfig() readonly config: DriftwardenConfig,
    @InjectRoles() readonly roles: Role[],
    @InjectRuntime() readonly runtime: DriftwardenRuntime,
  ) {}
}

/** A feature module that does not import ConfigModule: the config is global. */
@Module({ providers: [NeedsConfig], exports: [NeedsConfig] })
class FeatureModule {}

describe('ConfigModule', () => {
  const config = parse('mode: dry-run');

  it('provides the runtime from loadRuntime() to every module', async () => {
    const runtime: DriftwardenRuntime = { config, roles: ['worker'], configPath: '/etc/driftwarden.yaml', logLevel: 'warn' };
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(runtime), FeatureModule] }).compile();

    const service = moduleRef.get(NeedsConfig);
    expect(service.config).toBe(config);
    expect(service.roles).toEqual(['worker']);
    expect(service.runtime).toBe(runtime);
    expect(moduleRef.get(DRIFTWARDEN_CONFIG)).toBe(config);
    expect(moduleRef.get(DRIFTWARDEN_ROLES)).toEqual(['worker']);
    await moduleRef.close();
  });

  it('accepts a bare config: every role on, log level info', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), FeatureModule] }).compile();

    expect(moduleRef.get(NeedsConfig).config.mode).toBe('dry-run');
    expect(moduleRef.get(DRIFTWARDEN_ROLES)).toEqual(['api', 'worker', 'scheduler']);
    expect(moduleRef.get<DriftwardenRuntime>(DRIFTWARDEN_RUNTIME)).toEqual({
      config,
      roles: ['api', 'worker', 'scheduler'],
      configPath: null,
      logLevel: 'info',
    });
    await moduleRef.close();
  });

  it('is a global dynamic module', () => {
    expect(ConfigModule.forRoot(config)).toMatchObject({ module: ConfigModule, global: true });
  });

  it('hasRole', () => {
    expect(hasRole(['api'], 'api')).toBe(true);
    expect(hasRole(['api'], 'worker')).toBe(false);
  });
});

/**
 * Nest integration: `ConfigModule.forRoot(loadRuntime())` once in the root module; everything
 * else injects the typed config with `@InjectConfig()`.
 */
import { Global, Inject, Module, type DynamicModule } from '@nestjs/common';
import type { DriftwardenConfig } from './config.schema';
import { ROLES, type DriftwardenRuntime, type Role } from './runtime';

/** Injection token of the validated `DriftwardenConfig`. */
export const DRIFTWARDEN_CONFIG = 'DRIFTWARDEN_CONFIG';
/** Injection token of the process roles (`Role[]`). */
export const DRIFTWARDEN_ROLES = 'DRIFTWARDEN_ROLES';
/** Injection token of the whole `DriftwardenRuntime` (config, roles, configPath, logLevel). */
export const DRIFTWARDEN_RUNTIME = 'DRIFTWARDEN_RUNTIME';

/** `constructor(@InjectConfig() private readonly config: DriftwardenConfig)` */
export const InjectConfig = (): ParameterDecorator & PropertyDecorator => Inject(DRIFTWARDEN_CONFIG);
/** `constructor(@InjectRoles() private readonly roles: Role[])` */
export const InjectRoles = (): ParameterDecorator & PropertyDecorator => Inject(DRIFTWARDEN_ROLES);
/** `constructor(@InjectRuntime() private readonly runtime: DriftwardenRuntime)` */
export const InjectRuntime = (): ParameterDecorator & PropertyDecorator => Inject(DRIFTWARDEN_RUNTIME);

@Global()
@Module({})
export class ConfigModule {
  /**
   * A global module providing the config. Pass what `loadRuntime()` returned, or a
   * `DriftwardenConfig` (from `parseConfig`, e.g. in tests: then every role is on and the log
   * level is `info`).
   */
  static forRoot(runtimeOrConfig: DriftwardenRuntime | DriftwardenConfig): DynamicModule {
    const runtime = toRuntime(runtimeOrConfig);
    return {
      module: ConfigModule,
      global: true,
      providers: [
        { provide: DRIFTWARDEN_RUNTIME, useValue: runtime },
        { provide: DRIFTWARDEN_CONFIG, useValue: runtime.config },
        { provide: DRIFTWARDEN_ROLES, useValue: runtime.roles },
      ],
      exports: [DRIFTWARDEN_RUNTIME, DRIFTWARDEN_CONFIG, DRIFTWARDEN_ROLES],
    };
  }
}

function toRuntime(input: DriftwardenRuntime | DriftwardenConfig): DriftwardenRuntime {
  if (isRuntime(input)) return input;
  return { config: input, roles: [...ROLES], configPath: null, logLevel: 'info' };
}

function isRuntime(input: DriftwardenRuntime | DriftwardenConfig): input is DriftwardenRuntime {
  return 'config' in input && 'roles' in input;
}

/** Whether this process runs `role`. */
export function hasRole(roles: readonly Role[], role: Role): boolean {
  return roles.includes(role);
}

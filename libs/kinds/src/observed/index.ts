/**
 * @driftwarden/kinds/observed: the catch-all kind for Terraform-managed resources of types no
 * kind models: what AWS Config says changed, attributed and decided like any change, never
 * reverted; a tracking issue instead of a pull request.
 */
export * from './observed.kind';
export * from './property-differences';
export * from './desired-state';
export * from './tracking-issue';
export * from './registration';
export { observedSchemas } from './openapi';

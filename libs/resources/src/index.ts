export * from './security-group/terraform-desired-state.adapter';
export * from './security-group/security-group.analyzer';

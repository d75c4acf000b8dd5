export * from './security-group/terraform-desired-state.adapter';
export * from './security-group/security-group.analyzer';
export * from './security-group/rule-differences';

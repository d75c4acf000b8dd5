/**
 * Type-level helpers that tie a hand-written API type to a runtime list of its keys, so that a
 * spec test can compare the type with the provider's official description.
 */

/** Keys of T that are not optional. */
export type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** True when A and B are the same type. */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when T is `true`. */
export type Assert<T extends true> = T;

export * from './dates';
export * from './models';
export * from './numbers';
export * from './title';

export * from './types';
export { generateDemoData, demoTenantSizes, demoUid, DEMO_EPOCH, type DemoDataOptions, type DemoTenantSize } from './generate';

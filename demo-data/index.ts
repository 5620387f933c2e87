export * from './types';
export { generateDemoData, DEMO_TENANTS, DEMO_EPOCH, type DemoDataOptions } from './generate';

export * from './types';
export { generateDemoData, DEMO_EPOCH, type DemoDataOptions } from './generate';

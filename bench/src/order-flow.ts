/** @module Order-flow benchmark variants: filled in once the services exist (phase B). */
import type { LoadTarget } from './load.ts';

export const orderFlowVariants = async (_options: {
  otlpEndpoint: string;
  serverCpu: number;
}): Promise<{ name: string; start(): Promise<{ target: LoadTarget; stop: () => Promise<void> }> }[]> => [];

/**
 * @module Money: an integer amount of minor units (cents) and an ISO 4217 code from a fixed list. Never floats.
 * Every bound keeps sums far inside Number.MAX_SAFE_INTEGER, so plain numbers stay exact.
 */
import { z } from '@hono/zod-openapi';

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const CurrencySchema = z.enum(CURRENCIES).openapi({ description: 'ISO 4217 currency code.', example: 'EUR' });

/** Largest order total and payment amount, in minor units (10,000,000.00 in the major unit). */
export const MAX_TOTAL_AMOUNT_MINOR = 1_000_000_000;

/** A positive amount of minor units up to {@link MAX_TOTAL_AMOUNT_MINOR}. */
export const AmountMinorSchema = z
  .int()
  .min(1)
  .max(MAX_TOTAL_AMOUNT_MINOR)
  .openapi({ description: 'Amount in minor units (cents).', example: 2598 });

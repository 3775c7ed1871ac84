import type { Feature } from '../feature.ts';
import { booking } from './book.ts';
import { helpFeature } from './help.ts';

/** Every area of the bot; the router merges their commands, actions and live screens. */
export const FEATURES: Feature[] = [helpFeature, booking];

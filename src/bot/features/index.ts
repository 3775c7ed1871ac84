import type { Feature } from '../feature.ts';
import { notices } from '../presenter.ts';
import { availability } from './availability.ts';
import { booking } from './book.ts';
import { coach } from './coach.ts';
import { credits } from './credits.ts';
import { helpFeature } from './help.ts';
import { links } from './links.ts';
import { member } from './member.ts';
import { members } from './members.ts';
import { seriesCancel } from './series-cancel.ts';
import { signup } from './signup.ts';
import { waitlistFeature } from './waitlist.ts';

/** Every area of the bot; the router merges their commands, actions and live screens. */
export const FEATURES: Feature[] = [helpFeature, signup, links, booking, waitlistFeature, member, credits, coach, seriesCancel, members, availability, notices];

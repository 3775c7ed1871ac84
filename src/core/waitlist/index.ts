export { createWaitlistService, settleWaitlist, waitKey, type SettleResult, type WaitlistEntryView, type WaitlistService } from './service.ts';
export { holdDeadline, offerFreedSeats, waitedSlots, type WaitlistSlot } from './offers.ts';
export { joinWaitlistInput, listWaitlistInput, WAITLIST_STATUSES, type JoinWaitlistInput, type ListWaitlistInput } from './inputs.ts';

export { createCoachesService, type CoachesService } from './service.ts';
export { queryCoaches, type CoachView } from './queries.ts';
export { MAX_MEMBERS_LIMIT, SPECIALIZATION_PATTERN, updateCoachInput, type ListCoachesInput, type UpdateCoachInput } from './inputs.ts';

/**
 * Access: who is acting (the actor kinds), what each role may do (roles as data), and the one
 * way a refusal is raised (`requireAllowed`, answered 404). Every module decides with these;
 * accounts, enrolment and sessions stay in the auth module.
 */
export { type Actor, actorLabel, type CliActor, requireAllowed, type StaffActor } from './actor.ts';
export {
  isStaffRole,
  PERMISSIONS,
  type Permission,
  ROLE_PERMISSIONS,
  roleHas,
  STAFF_ROLES,
} from './roles.ts';

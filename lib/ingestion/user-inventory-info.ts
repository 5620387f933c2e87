import { invalid, type Fields } from './fields';
import { ACCOUNT_TYPE, RISK_LEVEL, USER_TYPE } from './ocsf-enums';

/** OCSF Account, as Palisade keys it: by its uid. */
export interface AccountSnapshot {
  uid: string;
  name?: string;
  typeId?: number;
}

/** OCSF Group, as Palisade keys it: by its uid. */
export interface GroupSnapshot {
  uid: string;
  name?: string;
  description?: string;
  privileges: string[];
}

/** OCSF User, as far as Palisade reads it. */
export interface UserSnapshot {
  uid: string;
  /** full_name, else name (OCSF's name is often the login name). */
  name: string;
  email?: string;
  typeId?: number;
  riskLevelId?: number;
  hasMfa?: boolean;
  /** org.ou_name: the organisational unit. */
  department?: string;
  /** ldap_person.job_title. */
  title?: string;
  /** ldap_person.manager.uid. */
  managerUid?: string;
  /** ldap_person.created_time: when the directory created the user, epoch ms. */
  createdAt?: number;
  account?: AccountSnapshot;
  /** The groups the user belongs to: all of them, as the identity provider knows them now. */
  groups: GroupSnapshot[];
}

/** OCSF User Inventory Info (class 5003): what the identity provider knows about one user now. */
export interface UserInventoryInfo {
  user: UserSnapshot;
}

export const MAX_GROUPS_PER_USER = 500;

export function readUserInventoryInfo(event: Fields): UserInventoryInfo {
  const user = event.object('user', 'the user the inventory describes');
  const fullName = user.string('full_name', { what: "the user's full name" }, 'optional');
  const name = fullName ?? user.string('name', { what: "the user's name (full_name or name is required)" });
  const email = user.string('email_addr', { what: "the user's email address", max: 320 }, 'optional');
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid(user.at('email_addr'), 'an email address such as alice@example.com');
  const org = user.object('org', "the user's organisation", 'optional');
  const person = user.object('ldap_person', "the user's directory entry", 'optional');
  const manager = person?.object('manager', "the user's manager", 'optional');
  const account = user.object('account', "the user's account", 'optional');
  const groups = user.objects('groups', 'groups the user belongs to', MAX_GROUPS_PER_USER, 'optional');
  const groupUids = new Set<string>();
  return {
    user: {
      uid: user.uid('uid', "the user's unique id, which Palisade keys the user by"),
      name,
      email,
      typeId: user.enumId('type_id', 'the user type', USER_TYPE, 'optional'),
      riskLevelId: user.enumId('risk_level_id', "the user's risk level", RISK_LEVEL, 'optional'),
      hasMfa: user.boolean('has_mfa', 'whether the user has multi-factor authentication'),
      department: org?.string('ou_name', { what: 'the organisational unit' }, 'optional'),
      title: person?.string('job_title', { what: "the user's job title" }, 'optional'),
      managerUid: manager?.uid('uid', "the manager's user uid", 'optional'),
      createdAt: person?.timestamp('created_time', 'when the directory created the user', 'optional'),
      account: account && {
        uid: account.uid('uid', "the account's unique id, which Palisade keys it by"),
        name: account.string('name', { what: "the account's name" }, 'optional'),
        typeId: account.enumId('type_id', 'the account type', ACCOUNT_TYPE, 'optional'),
      },
      groups: groups.map((group) => {
        const uid = group.uid('uid', "the group's unique id, which Palisade keys it by");
        if (groupUids.has(uid)) throw invalid(group.at('uid'), 'a group named once per user');
        groupUids.add(uid);
        return {
          uid,
          name: group.string('name', { what: "the group's name" }, 'optional'),
          description: group.string('desc', { what: "the group's description" }, 'optional'),
          privileges: group.strings('privileges', { what: 'a privilege the group grants', max: 256, maxItems: 100 }),
        };
      }),
    },
  };
}

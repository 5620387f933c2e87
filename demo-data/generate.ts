import { SeededRandom } from './random';
import type {
  DemoAccount,
  DemoAsset,
  DemoCve,
  DemoData,
  DemoDevice,
  DemoFinding,
  DemoGroup,
  DemoIncident,
  DemoIncidentStatus,
  DemoMembership,
  DemoObservable,
  DemoRole,
  DemoRoleAssignment,
  DemoSeverity,
  DemoTimelineEntry,
  DemoUser,
  DemoVulnerability,
} from './types';

export interface DemoDataOptions {
  /** 1 gives about 1,000 users, 5,000 assets and 2,000 incidents over both tenants; 0.01 a hundredth. */
  scale?: number;
  seed?: number;
}

const DEMO_TENANTS = [
  { tenant: 'acme', share: 0.6, domain: 'acme.example' },
  { tenant: 'globex', share: 0.4, domain: 'globex.example' },
] as const;

/** Every timestamp is relative to this instant, so the data is the same whenever it is generated. */
export const DEMO_EPOCH = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Whitfield', 'Frances', 'Tim', 'Katherine', 'Edsger', 'Hedy', 'Bruce', 'Joan', 'Vint', 'Shafi', 'Adi', 'Dorothy', 'Ron', 'Leslie', 'Niklaus'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Perlman', 'Diffie', 'Allen', 'Berners-Lee', 'Johnson', 'Dijkstra', 'Lamarr', 'Schneier', 'Clarke', 'Cerf', 'Goldwasser', 'Shamir', 'Denning', 'Rivest', 'Lamport', 'Wirth'];
const DEPARTMENTS = ['Security Operations', 'Platform Engineering', 'Finance', 'Sales', 'Legal', 'Human Resources', 'Research', 'IT'];
const TITLES = ['Analyst', 'Engineer', 'Senior Engineer', 'Manager', 'Director', 'Specialist', 'Consultant'];
const GROUP_NAMES = ['SOC Tier 1', 'SOC Tier 2', 'Incident Response', 'Threat Intelligence', 'Platform', 'Identity Admins', 'Cloud Ops', 'Red Team', 'Finance Users', 'Sales Users', 'Legal Users', 'Contractors'];
const ROLE_NAMES: Array<[string, string]> = [
  ['Security Administrator', 'Manages security tooling and policy'],
  ['Incident Responder', 'Investigates and resolves incidents'],
  ['Auditor', 'Reads everything, changes nothing'],
  ['Asset Owner', 'Accountable for assigned assets'],
  ['Service Operator', 'Runs automation under a service account'],
];
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'];
const CLOUD_TYPES: Record<'AWS' | 'AZURE' | 'GCP', string[]> = {
  AWS: ['AWS::EC2::Instance', 'AWS::S3::Bucket', 'AWS::RDS::DBInstance', 'AWS::Lambda::Function', 'AWS::IAM::Role'],
  AZURE: ['Microsoft.Compute/virtualMachines', 'Microsoft.Storage/storageAccounts', 'Microsoft.Sql/servers'],
  GCP: ['compute.googleapis.com/Instance', 'storage.googleapis.com/Bucket', 'container.googleapis.com/Cluster'],
};
const APPS: Array<[string, string]> = [['Jira', 'Atlassian'], ['Confluence', 'Atlassian'], ['Salesforce', 'Salesforce'], ['Workday', 'Workday'], ['GitLab', 'GitLab'], ['Vault', 'HashiCorp'], ['Grafana', 'Grafana Labs'], ['Okta', 'Okta'], ['Payroll', 'In-house'], ['Customer Portal', 'In-house']];
const OSES: Array<DemoDevice['os']> = [
  { name: 'Ubuntu', version: '24.04', type: 'LINUX' },
  { name: 'Red Hat Enterprise Linux', version: '9.4', type: 'LINUX' },
  { name: 'Windows Server', version: '2022', type: 'WINDOWS' },
  { name: 'Windows', version: '11', type: 'WINDOWS' },
  { name: 'macOS', version: '15.2', type: 'MACOS' },
];
const INCIDENT_TITLES = ['Credential stuffing against SSO', 'Ransomware beacon detected', 'Suspicious PowerShell execution', 'Impossible travel sign-in', 'Public S3 bucket exposed', 'Malware on endpoint', 'Privilege escalation attempt', 'Data exfiltration over DNS', 'Phishing campaign reported', 'Brute force on SSH', 'Unusual API key usage', 'Lateral movement via SMB'];
const FINDING_TITLES = ['EDR alert', 'Anomalous sign-in', 'IDS signature match', 'Cloud posture violation', 'DLP policy hit', 'Threat intel match'];

export function generateDemoData(options: DemoDataOptions = {}): DemoData {
  const scale = options.scale ?? 1;
  const random = new SeededRandom(options.seed ?? 20260601);
  const cves = generateCves(random, Math.max(20, Math.round(300 * Math.min(scale, 1))));
  // Tenant by tenant, in this order: the random sequence, and so the data, stays the same.
  const sizes = demoTenantSizes(scale);
  const tenants = DEMO_TENANTS.map(({ tenant, domain }, i) => {
    const identity = generateIdentity(random, tenant, domain, sizes[i].users);
    const assets = generateAssets(random, tenant, sizes[i].assets, identity.users, cves);
    const incidents = generateIncidents(random, tenant, sizes[i].incidents, identity.users, identity.groups, assets);
    return { identity, assets, incidents };
  });
  // flatMap, not push(...rows): spreading hundreds of thousands of rows as arguments overflows the stack.
  return {
    identity: {
      users: tenants.flatMap((t) => t.identity.users),
      groups: tenants.flatMap((t) => t.identity.groups),
      roles: tenants.flatMap((t) => t.identity.roles),
      accounts: tenants.flatMap((t) => t.identity.accounts),
      memberships: tenants.flatMap((t) => t.identity.memberships),
      roleAssignments: tenants.flatMap((t) => t.identity.roleAssignments),
    },
    assets: tenants.flatMap((t) => t.assets),
    incidents: tenants.flatMap((t) => t.incidents),
  };
}

/** How many users, assets and incidents a tenant holds at a scale. */
export interface DemoTenantSize {
  tenant: string;
  users: number;
  assets: number;
  incidents: number;
}

export function demoTenantSizes(scale: number): DemoTenantSize[] {
  return DEMO_TENANTS.map(({ tenant, share }) => {
    const count = (total: number) => Math.max(3, Math.round(total * scale * share));
    return { tenant, users: count(1000), assets: count(5000), incidents: count(2000) };
  });
}

/** The uid of a tenant's n-th user (`usr`) or incident (`inc`), n from 1 to the tenant's count. */
export function demoUid(kind: 'usr' | 'inc', tenant: string, n: number): string {
  return `${kind}-${tenant}-${pad(n)}`;
}

function pad(n: number): string {
  return String(n).padStart(5, '0');
}

function daysBefore(random: SeededRandom, maxDays: number): Date {
  return new Date(DEMO_EPOCH.getTime() - Math.floor(random.next() * maxDays * DAY));
}

function generateIdentity(random: SeededRandom, tenant: string, domain: string, userCount: number) {
  const users: DemoUser[] = [];
  const managers: DemoUser[] = [];
  for (let i = 1; i <= userCount; i++) {
    const type = random.pickWeighted([['USER', 80], ['ADMIN', 8], ['SERVICE', 10], ['SYSTEM', 2]] as const);
    const person = type === 'USER' || type === 'ADMIN';
    const first = random.pick(FIRST_NAMES);
    const last = random.pick(LAST_NAMES);
    const user: DemoUser = {
      tenant,
      uid: demoUid('usr', tenant, i),
      name: person ? `${first} ${last}` : `svc-${random.pick(['backup', 'ci', 'scanner', 'etl', 'siem', 'deploy'])}-${i}`,
      email: person ? `${first}.${last}${i}@${domain}`.toLowerCase() : null,
      type,
      hasMfa: person ? random.chance(0.8) : false,
      riskLevel: random.pickWeighted([['INFO', 30], ['LOW', 40], ['MEDIUM', 20], ['HIGH', 8], ['CRITICAL', 2]] as const),
      department: person ? random.pick(DEPARTMENTS) : null,
      title: person ? random.pick(TITLES) : null,
      managerUid: person && managers.length > 0 && random.chance(0.85) ? random.pick(managers).uid : null,
      createdAt: daysBefore(random, 1500),
    };
    users.push(user);
    if (user.type === 'ADMIN' || user.title === 'Manager') managers.push(user);
  }
  const groupCount = Math.min(GROUP_NAMES.length, Math.max(3, Math.ceil(userCount / 20)));
  const groups: DemoGroup[] = GROUP_NAMES.slice(0, groupCount).map((name, i) => ({
    tenant,
    uid: `grp-${tenant}-${pad(i + 1)}`,
    name,
    description: `${name} at ${tenant}`,
    privileges: random.sample(['read:logs', 'write:tickets', 'admin:idp', 'read:finance', 'deploy:prod', 'read:cloud'], random.int(1, 3)),
  }));
  const roles: DemoRole[] = ROLE_NAMES.map(([name, description], i) => ({ tenant, uid: `rol-${tenant}-${pad(i + 1)}`, name, description }));
  const accounts: DemoAccount[] = [];
  const memberships: DemoMembership[] = [];
  const roleAssignments: DemoRoleAssignment[] = [];
  let accountNumber = 0;
  for (const user of users) {
    for (const group of random.sample(groups, random.int(1, 3))) memberships.push({ tenant, groupUid: group.uid, userUid: user.uid });
    for (const role of random.sample(roles, random.int(1, 2))) roleAssignments.push({ tenant, roleUid: role.uid, userUid: user.uid });
    const types = random.sample(['LDAP', 'AZURE_AD', 'AWS_IAM_USER', 'GOOGLE_WORKSPACE', 'LINUX', 'WINDOWS'] as const, random.int(1, 3));
    for (const type of types) {
      accountNumber += 1;
      accounts.push({ tenant, uid: `acc-${tenant}-${pad(accountNumber)}`, userUid: user.uid, name: user.email ?? user.name, type });
    }
  }
  return { users, groups, roles, accounts, memberships, roleAssignments };
}

function generateCves(random: SeededRandom, count: number): DemoCve[] {
  const cves: DemoCve[] = [];
  for (let i = 0; i < count; i++) {
    const year = random.int(2019, 2026);
    cves.push({
      uid: `CVE-${year}-${random.int(1000, 49999)}`,
      title: `${random.pick(['Remote code execution', 'SQL injection', 'Privilege escalation', 'Information disclosure', 'Denial of service', 'Authentication bypass'])} in ${random.pick(['OpenSSL', 'Log4j', 'nginx', 'Exchange', 'OpenSSH', 'glibc', 'Chrome', 'Jenkins'])}`,
      cvss: Math.round(random.next() * 100) / 10,
      epss: Math.round(random.next() * random.next() * 10000) / 10000,
      publishedAt: new Date(Date.UTC(year, random.int(0, 11), random.int(1, 28))),
    });
  }
  return cves;
}

function severityFromCvss(cvss: number): DemoSeverity {
  if (cvss >= 9) return 'CRITICAL';
  if (cvss >= 7) return 'HIGH';
  if (cvss >= 4) return 'MEDIUM';
  if (cvss > 0) return 'LOW';
  return 'INFORMATIONAL';
}

function generateAssets(random: SeededRandom, tenant: string, count: number, users: DemoUser[], cves: DemoCve[]): DemoAsset[] {
  const assets: DemoAsset[] = [];
  let findingNumber = 0;
  for (let i = 1; i <= count; i++) {
    const vulnerabilities: DemoVulnerability[] = random.sample(cves, random.pickWeighted([[0, 30], [1, 25], [2, 20], [4, 15], [8, 10]] as const)).map((cve) => {
      const severity = severityFromCvss(cve.cvss);
      const firstSeenAt = daysBefore(random, 365);
      findingNumber += 1;
      return {
        uid: `vul-${tenant}-${String(findingNumber).padStart(6, '0')}`,
        cve,
        severity,
        status: random.pickWeighted([['NEW', 40], ['IN_PROGRESS', 25], ['RESOLVED', 25], ['SUPPRESSED', 10]] as const),
        fixAvailable: random.chance(0.7),
        firstSeenAt,
        lastSeenAt: new Date(Math.min(DEMO_EPOCH.getTime(), firstSeenAt.getTime() + random.int(0, 90) * DAY)),
      };
    });
    const base = {
      tenant,
      criticality: random.pickWeighted([['LOW', 35], ['MEDIUM', 35], ['HIGH', 20], ['CRITICAL', 10]] as const),
      region: random.pick(REGIONS),
      ownerUid: random.chance(0.9) ? random.pick(users).uid : null,
      createdAt: daysBefore(random, 1000),
      vulnerabilities,
    };
    const kind = random.pickWeighted([['DEVICE', 60], ['CLOUD_RESOURCE', 25], ['APPLICATION', 15]] as const);
    if (kind === 'DEVICE') {
      const type = random.pickWeighted([['SERVER', 35], ['LAPTOP', 30], ['DESKTOP', 10], ['VIRTUAL', 15], ['MOBILE', 5], ['FIREWALL', 3], ['ROUTER', 2]] as const);
      const hostname = `${type.toLowerCase()}-${String(i).padStart(4, '0')}.${tenant}.internal`;
      assets.push({ ...base, kind, uid: `dev-${tenant}-${pad(i)}`, name: hostname.split('.')[0], hostname, ip: `10.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`, type, os: random.pick(OSES) });
    } else if (kind === 'CLOUD_RESOURCE') {
      const provider = random.pick(['AWS', 'AZURE', 'GCP'] as const);
      const resourceType = random.pick(CLOUD_TYPES[provider]);
      assets.push({ ...base, kind, uid: `cld-${tenant}-${pad(i)}`, name: `${tenant}-${resourceType.split(/[:/.]/).pop()!.toLowerCase()}-${i}`, provider, resourceType, accountUid: `${provider.toLowerCase()}-${tenant}-${random.int(1, 4)}` });
    } else {
      const [app, vendor] = random.pick(APPS);
      assets.push({ ...base, kind, uid: `app-${tenant}-${pad(i)}`, name: `${app} (${tenant} ${i})`, vendor, version: `${random.int(1, 12)}.${random.int(0, 20)}`, url: `https://${app.toLowerCase().replace(/\s/g, '-')}-${i}.${tenant}.example` });
    }
  }
  return assets;
}

function observablesFor(random: SeededRandom, assets: DemoAsset[], users: DemoUser[]): DemoObservable[] {
  const observables: DemoObservable[] = [];
  const device = assets.find((a) => a.kind === 'DEVICE');
  if (device && device.kind === 'DEVICE') {
    observables.push({ name: 'device.hostname', type: 'HOSTNAME', value: device.hostname }, { name: 'device.ip', type: 'IP_ADDRESS', value: device.ip });
  }
  if (users.length > 0) observables.push({ name: 'actor.user.name', type: 'USER_NAME', value: users[0].name });
  observables.push(
    random.pick<DemoObservable>([
      { name: 'file.hashes', type: 'HASH', value: Array.from({ length: 64 }, () => random.int(0, 15).toString(16)).join('') },
      { name: 'dst_endpoint.domain', type: 'DOMAIN', value: `${random.pick(['update', 'cdn', 'login', 'api'])}-${random.int(100, 999)}.example.net` },
      { name: 'process.name', type: 'PROCESS_NAME', value: random.pick(['powershell.exe', 'rundll32.exe', 'curl', 'python3', 'mimikatz.exe']) },
    ]),
  );
  return observables;
}

function generateIncidents(random: SeededRandom, tenant: string, count: number, users: DemoUser[], groups: DemoGroup[], assets: DemoAsset[]): DemoIncident[] {
  const analysts = users.filter((u) => u.type === 'USER' || u.type === 'ADMIN');
  const incidents: DemoIncident[] = [];
  for (let i = 1; i <= count; i++) {
    const severity = random.pickWeighted([['INFORMATIONAL', 10], ['LOW', 20], ['MEDIUM', 30], ['HIGH', 25], ['CRITICAL', 12], ['FATAL', 3]] as const);
    const status = random.pickWeighted([['NEW', 25], ['IN_PROGRESS', 30], ['ON_HOLD', 5], ['RESOLVED', 20], ['CLOSED', 20]] as const) as DemoIncidentStatus;
    const createdAt = daysBefore(random, 180);
    const assignee = status === 'NEW' && random.chance(0.5) ? null : random.pick(analysts);
    const affected = random.sample(assets, random.int(1, 4));
    const affectedUsers = random.sample(users, random.int(0, 2));
    const findings: DemoFinding[] = Array.from({ length: random.int(1, 3) }, (_, f) => ({
      uid: `fnd-${tenant}-${pad(i)}-${f + 1}`,
      title: random.pick(FINDING_TITLES),
      severity,
      createdAt: new Date(createdAt.getTime() - random.int(1, 120) * 60_000),
      observables: observablesFor(random, affected, affectedUsers),
    }));
    const timeline: DemoTimelineEntry[] = [{ at: createdAt, kind: 'CREATED', message: 'Incident opened from correlated findings', actorUid: null, fromStatus: null, toStatus: 'NEW' }];
    let at = createdAt.getTime();
    const step = (): Date => new Date((at += random.int(5, 600) * 60_000));
    if (assignee) timeline.push({ at: step(), kind: 'ASSIGNED', message: `Assigned to ${assignee.name}`, actorUid: null, fromStatus: null, toStatus: null });
    const path: DemoIncidentStatus[] = { NEW: [], IN_PROGRESS: ['IN_PROGRESS'], ON_HOLD: ['IN_PROGRESS', 'ON_HOLD'], RESOLVED: ['IN_PROGRESS', 'RESOLVED'], CLOSED: ['IN_PROGRESS', 'RESOLVED', 'CLOSED'] }[status] as DemoIncidentStatus[];
    let from: DemoIncidentStatus = 'NEW';
    const stamps: Partial<Record<DemoIncidentStatus, Date>> = {};
    for (const to of path) {
      const when = step();
      stamps[to] = when;
      timeline.push({ at: when, kind: 'STATUS_CHANGED', message: `Status changed from ${from} to ${to}`, actorUid: assignee?.uid ?? null, fromStatus: from, toStatus: to });
      from = to;
    }
    incidents.push({
      tenant,
      uid: demoUid('inc', tenant, i),
      title: random.pick(INCIDENT_TITLES),
      description: `Detected on ${affected.map((a) => a.name).join(', ')}`,
      severity,
      status,
      verdict: status === 'RESOLVED' || status === 'CLOSED' ? random.pick(['TRUE_POSITIVE', 'FALSE_POSITIVE', 'BENIGN', 'DUPLICATE'] as const) : random.pick(['UNKNOWN', 'SUSPICIOUS', 'SECURITY_RISK'] as const),
      priority: random.pick(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const),
      createdAt,
      updatedAt: timeline[timeline.length - 1].at,
      resolvedAt: stamps.RESOLVED ?? null,
      closedAt: stamps.CLOSED ?? null,
      assigneeUid: assignee?.uid ?? null,
      assigneeGroupUid: random.chance(0.8) ? random.pick(groups).uid : null,
      affectedAssets: affected.map((asset, n) => ({ uid: asset.uid, role: n === 0 ? 'TARGET' : random.pick(['SOURCE', 'AFFECTED', 'RELATED'] as const) })),
      affectedUserUids: affectedUsers.map((u) => u.uid),
      findings,
      timeline,
    });
  }
  return incidents;
}

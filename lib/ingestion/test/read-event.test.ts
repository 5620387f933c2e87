import { sampleEvents, SAMPLE_TENANT } from '../../../examples/ocsf/samples';
import { EVENT_CLASS_UIDS, MAX_CLOCK_SKEW_MS, readEvent, type EventClassUid, type OcsfEvent } from '../event';
import { EventRejected, type Rejection } from '../rejection';

const ALL = EVENT_CLASS_UIDS;
const NOW = Date.parse('2026-01-01T00:00:00Z');

function read(value: unknown, classes: readonly EventClassUid[] = ALL, tenant = SAMPLE_TENANT): OcsfEvent {
  return readEvent(value, { tenant, classes, now: NOW });
}

function rejection(value: unknown, classes: readonly EventClassUid[] = ALL, tenant = SAMPLE_TENANT): Rejection {
  try {
    read(value, classes, tenant);
  } catch (error) {
    if (error instanceof EventRejected) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the event was read, but a rejection was expected');
}

/** A deep copy of a sample with one change applied. */
function changed<T>(sample: T, change: (copy: any) => void): T {
  const copy = structuredClone(sample);
  change(copy);
  return copy;
}

const [userSample] = sampleEvents(5003);
const [deviceSample] = sampleEvents(5001);
const vulnerabilitySamples = sampleEvents(2002);
const detectionSamples = sampleEvents(2004);

describe('readEvent: the sample events', () => {
  it('reads every sample of every class', () => {
    for (const classUid of ALL) {
      for (const sample of sampleEvents(classUid as 2002 | 2004 | 5001 | 5003)) {
        expect(read(sample).classUid).toBe(classUid);
      }
    }
  });

  it('reads a User Inventory Info into the user, their account and groups', () => {
    const event = read(sampleEvents(5003)[1]);
    if (event.classUid !== 5003) throw new Error('not a user inventory');
    expect(event).toMatchObject({ tenant: 'acme', eventId: 'okta-evt-7f3c2a92', time: Date.parse('2025-06-02T08:00:01Z') });
    expect(event.body.user).toEqual({
      uid: '00u1a2b3c4d5e6f7g8h9',
      name: 'Dana Whitfield',
      email: 'dana.whitfield@acme.example',
      typeId: 1,
      riskLevelId: 1,
      hasMfa: true,
      department: 'Security Operations',
      title: 'SOC Analyst',
      managerUid: '00u9z8y7x6w5v4u3t2s1',
      account: { uid: 'acme-ad-S-1-5-21-3623811015-3361044348-30300820-1187', name: 'dana.whitfield@acme.example', typeId: 6 },
      groups: [
        { uid: '00g1allstaff000000001', name: 'All Staff', description: undefined, privileges: [] },
        { uid: '00g1socanalysts00001', name: 'SOC Analysts', description: 'Tier 1 and 2 analysts', privileges: ['siem:read', 'edr:isolate-host'] },
      ],
    });
  });

  it('reads a Vulnerability Finding on a device: the newest CVSS version, EPSS given as a string, the vulnerability severity caption', () => {
    const event = read(vulnerabilitySamples[0]);
    if (event.classUid !== 2002) throw new Error('not a vulnerability finding');
    expect(event.body.asset).toMatchObject({ kind: 'device', device: { uid: 'f3b2c1d0-6a7e-4c1f-9d2b-3e4a5b6c7d8e', typeId: 1 } });
    expect(event.body.statusId).toBe(1);
    expect(event.body.vulnerabilities).toEqual([
      {
        cveUid: 'CVE-2024-3094',
        title: 'xz/liblzma backdoor (CVE-2024-3094)',
        cvss: 10,
        epss: 0.84,
        publishedAt: Date.parse('2024-03-29T17:15:21Z'),
        severityId: 5,
        fixAvailable: true,
        firstSeenAt: Date.parse('2025-06-02T09:12:00Z'),
        lastSeenAt: Date.parse('2025-06-02T09:12:00Z'),
      },
    ]);
  });

  it('reads a Vulnerability Finding on a cloud resource, with the provider from cloud', () => {
    const event = read(vulnerabilitySamples[2]);
    if (event.classUid !== 2002) throw new Error('not a vulnerability finding');
    expect(event.body.asset).toEqual({
      kind: 'cloud-resource',
      resource: { uid: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f67890', name: 'bastion-01', type: 'AWS::EC2::Instance', region: 'eu-west-1', provider: 'AWS', accountUid: '123456789012' },
    });
  });

  it('reads a Close activity without status_id as Resolved', () => {
    const close = changed(vulnerabilitySamples[4], (copy) => delete copy.status_id);
    const event = read(close);
    expect(event.classUid === 2002 && event.body.statusId).toBe(4);
  });

  it('reads a Detection Finding: the rule that correlates it, the asset and the user it is about', () => {
    const event = read(detectionSamples[0]);
    if (event.classUid !== 2004) throw new Error('not a detection finding');
    expect(event.body).toMatchObject({
      findingUid: 'ldt:7c1e9a2f5b3d:5519',
      title: 'Suspicious PowerShell download cradle',
      severityId: 4,
      detection: 'analytic:CS-IOA-PS-DOWNLOAD-01',
      asset: { kind: 'device', device: { uid: 'a8c4e2f0-1b3d-4e5f-8a9b-0c1d2e3f4a5b' } },
      userUid: '00u1a2b3c4d5e6f7g8h9',
    });
    const byType = read(detectionSamples[2]);
    expect(byType.classUid === 2004 && byType.body.detection).toBe('type:UnauthorizedAccess:EC2/SSHBruteForce');
  });

  it('identifies an event by metadata.uid, else by the digest of its content, the same for the same event', () => {
    const withoutUid = changed(deviceSample, (copy) => delete copy.metadata.uid);
    expect(read(deviceSample).eventId).toBe('cs-inv-4b1d7e20');
    expect(read(withoutUid).eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(read(structuredClone(withoutUid)).eventId).toBe(read(withoutUid).eventId);
    expect(read(changed(withoutUid, (copy) => (copy.time += 1))).eventId).not.toBe(read(withoutUid).eventId);
  });
});

describe('readEvent: what is refused, and why', () => {
  it('refuses what is not a JSON object', () => {
    for (const value of [null, 42, 'text', [deviceSample]]) expect(rejection(value).code).toBe('MALFORMED_JSON');
  });

  it('refuses an event without class_uid, with one that is not an integer, and a class it does not take, naming those it takes', () => {
    expect(rejection(changed(deviceSample, (copy) => delete copy.class_uid))).toEqual({
      code: 'MISSING_FIELD',
      message: expect.stringContaining('class_uid is required: the OCSF class of the event, one of 2002 (Vulnerability Finding)'),
    });
    expect(rejection(changed(deviceSample, (copy) => (copy.class_uid = '5001'))).code).toBe('INVALID_FIELD');
    expect(rejection(changed(deviceSample, (copy) => (copy.class_uid = 3002)))).toEqual({
      code: 'UNSUPPORTED_CLASS',
      message: 'class_uid 3002 is not taken here; Palisade takes 2002 (Vulnerability Finding), 2004 (Detection Finding), 5001 (Device Inventory Info), 5003 (User Inventory Info)',
    });
    expect(rejection(detectionSamples[0], [2002, 5001, 5003]).code).toBe('UNSUPPORTED_CLASS');
  });

  it('refuses an event that names another tenant in metadata.tenant_uid or unmapped, and takes one that names its own', () => {
    for (const spoof of [(c: any) => (c.metadata.tenant_uid = 'globex'), (c: any) => (c.unmapped = { tenant: 'globex' }), (c: any) => (c.unmapped = { tenant_uid: 'globex' })]) {
      const refused = rejection(changed(userSample, spoof));
      expect(refused.code).toBe('TENANT_MISMATCH');
      expect(refused.message).not.toContain('globex');
    }
    expect(read(changed(userSample, (copy) => (copy.metadata.tenant_uid = 'acme'))).tenant).toBe('acme');
  });

  it('refuses a time that is missing, not an integer of milliseconds, in seconds, or too far in the future', () => {
    expect(rejection(changed(deviceSample, (copy) => delete copy.time)).code).toBe('MISSING_FIELD');
    expect(rejection(changed(deviceSample, (copy) => (copy.time = '2025-06-02T08:00:00Z'))).code).toBe('INVALID_FIELD');
    expect(rejection(changed(deviceSample, (copy) => (copy.time = 1748851200))).message).toBe(
      'time must be milliseconds since the epoch (OCSF timestamp_t); 1748851200 looks like seconds, so multiply it by 1000',
    );
    expect(rejection(changed(deviceSample, (copy) => (copy.time = NOW + MAX_CLOCK_SKEW_MS + 60_000))).code).toBe('INVALID_FIELD');
    expect(read(changed(deviceSample, (copy) => (copy.time = NOW + MAX_CLOCK_SKEW_MS - 1000))).time).toBe(NOW + MAX_CLOCK_SKEW_MS - 1000);
  });

  it('refuses a device without a uid, without a hostname or name, with an unknown type_id or a malformed ip', () => {
    expect(rejection(changed(deviceSample, (copy) => delete copy.device.uid))).toEqual({ code: 'MISSING_FIELD', message: "device.uid is required: the device's unique id, which Palisade keys it by" });
    expect(rejection(changed(deviceSample, (copy) => (delete copy.device.hostname, delete copy.device.name))).message).toBe(
      'device.hostname or device.name is required: how people name the device',
    );
    expect(rejection(changed(deviceSample, (copy) => (copy.device.type_id = 42))).message).toMatch(/^device\.type_id must be one of 0 \(Unknown\), 1 \(Server\).*got 42$/);
    expect(rejection(changed(deviceSample, (copy) => (copy.device.ip = '10.20.4.300'))).message).toBe("device.ip must be an IPv4 or IPv6 address (the device's IP address)");
    expect(rejection(changed(deviceSample, (copy) => (copy.device.os.type_id = 'Linux'))).code).toBe('INVALID_FIELD');
  });

  it('refuses text with a NUL character, and text longer than Palisade stores, without repeating the value', () => {
    const nul = rejection(changed(userSample, (copy) => (copy.user.full_name = 'Marcus\u0000Oyelaran')));
    expect(nul).toEqual({ code: 'INVALID_FIELD', message: "user.full_name must be free of NUL characters (the user's full name)" });
    const long = rejection(changed(userSample, (copy) => (copy.user.org.ou_name = 'x'.repeat(5000))));
    expect(long.message).toBe('user.org.ou_name must be at most 1024 characters long (the organisational unit), got 5000');
    expect(rejection(changed(userSample, (copy) => (copy.user.email_addr = 'not an address'))).message).not.toContain('not an address');
  });

  it('refuses a vulnerability finding without a CVE id, with a malformed one, with one CVE twice, or with more vulnerabilities than an event may hold', () => {
    const sample = vulnerabilitySamples[0];
    expect(rejection(changed(sample, (copy) => delete copy.vulnerabilities[0].cve)).message).toBe('vulnerabilities[0].cve is required: the CVE, which Palisade keys the finding by');
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities[0].cve.uid = 'XZ-BACKDOOR'))).message).toBe('vulnerabilities[0].cve.uid must be a CVE id such as CVE-2024-3094');
    expect(rejection(changed(sample, (copy) => copy.vulnerabilities.push(structuredClone(copy.vulnerabilities[0])))).message).toBe(
      'vulnerabilities[1].cve.uid must be a CVE named once per event; it repeats vulnerabilities[0].cve.uid',
    );
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities = Array.from({ length: 101 }, () => copy.vulnerabilities[0])))).message).toBe(
      'vulnerabilities must be an array of at most 100 items, got 101',
    );
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities = []))).message).toBe('vulnerabilities must be a list of at least one vulnerability');
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities[0].cve.cvss[0].base_score = 11))).code).toBe('INVALID_FIELD');
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities[0].cve.epss.score = 'likely'))).code).toBe('INVALID_FIELD');
    expect(rejection(changed(sample, (copy) => (copy.vulnerabilities[0].severity = 'Severe'))).code).toBe('INVALID_FIELD');
  });

  it('refuses a vulnerability finding that names no asset, several resources, or a cloud provider Palisade does not know', () => {
    const cloud = vulnerabilitySamples[2];
    expect(rejection(changed(vulnerabilitySamples[0], (copy) => delete copy.device)).message).toBe(
      'device or resources is required: the device or cloud resource the event is about',
    );
    expect(rejection(changed(cloud, (copy) => copy.resources.push({ ...copy.resources[0], uid: 'other' }))).message).toBe(
      'resources must be a list of one resource: send one event per affected resource (got 2)',
    );
    expect(rejection(changed(cloud, (copy) => (copy.cloud.provider = 'Hetzner'))).message).toBe('cloud.provider must be one of AWS, AZURE, GCP, OCI (the cloud provider)');
    expect(rejection(changed(cloud, (copy) => delete copy.cloud)).code).toBe('MISSING_FIELD');
  });

  it('refuses a detection finding without a detection to correlate by, or without an asset or user', () => {
    const sample = detectionSamples[2];
    expect(rejection(changed(sample, (copy) => delete copy.finding_info.types)).message).toBe(
      'finding_info.analytic.uid, finding_info.analytic.name or finding_info.types is required: the detection (rule or finding type) that correlates findings into an incident',
    );
    expect(rejection(changed(sample, (copy) => delete copy.resources)).code).toBe('MISSING_FIELD');
  });

  it('refuses a user with a group named twice, and a severity_id that OCSF does not define', () => {
    expect(rejection(changed(userSample, (copy) => copy.user.groups.push(copy.user.groups[0]))).message).toBe('user.groups[2].uid must be a group named once per user');
    expect(rejection(changed(deviceSample, (copy) => (copy.class_uid = 2002, copy.severity_id = 7))).code).toBe('INVALID_FIELD');
  });
});

import { readAffectedAsset, type AffectedAsset } from './affected-asset';
import { type Fields } from './fields';
import { FINDING_ACTIVITY, FINDING_STATUS, SEVERITY } from './ocsf-enums';
import { EventRejected, RejectionCode } from './rejection';

/** An OCSF Observable of a finding. */
export interface ObservableSnapshot {
  name: string;
  /** OCSF observable type_id; a consumer maps the ids it does not know to Other (the enum grows with every release). */
  typeId: number;
  value: string;
}

/** OCSF Detection Finding (class 2004), as the incidents subgraph correlates it. */
export interface DetectionFinding {
  /** finding_info.uid: one finding, however often it is delivered or updated. */
  findingUid: string;
  /** finding_info.title, else the analytic's name. */
  title: string;
  description?: string;
  severityId: number;
  activityId?: number;
  statusId?: number;
  /**
   * What correlates findings into one incident: the rule (finding_info.analytic.uid, else its name), else the
   * finding type (finding_info.types[0]); prefixed by which one it is, so a rule and a type never collide.
   */
  detection: string;
  /** The asset the finding is on (device, or the one resource), when it names one. */
  asset?: AffectedAsset;
  /** actor.user.uid: the user the finding is about, when it names one. */
  userUid?: string;
  observables: ObservableSnapshot[];
}

export const MAX_OBSERVABLES_PER_FINDING = 100;

export function readDetectionFinding(event: Fields): DetectionFinding {
  const info = event.object('finding_info', 'what was detected');
  const analytic = info.object('analytic', 'the rule or analytic that detected it', 'optional');
  const analyticName = analytic?.string('name', { what: "the analytic's name" }, 'optional');
  const detection = detectionOf(info, analytic, analyticName);
  const title = info.string('title', { what: 'the finding title' }, 'optional') ?? analyticName;
  if (title === undefined) throw new EventRejected(RejectionCode.MISSING_FIELD, `${info.at('title')} is required: the finding title (or finding_info.analytic.name)`);
  const asset = readAffectedAsset(event, false);
  const userUid = event.object('actor', 'who or what acted', 'optional')?.object('user', 'the user involved', 'optional')?.uid('uid', "the user's uid", 'optional');
  if (!asset && userUid === undefined) {
    throw new EventRejected(RejectionCode.MISSING_FIELD, 'device, resources or actor.user.uid is required: the asset or user the finding is about, which incidents are correlated by');
  }
  return {
    findingUid: info.uid('uid', "the finding's unique id"),
    title,
    description: info.string('desc', { what: 'the finding description', max: 8192 }, 'optional'),
    severityId: event.enumId('severity_id', 'the severity', SEVERITY),
    activityId: event.enumId('activity_id', 'the finding activity', FINDING_ACTIVITY, 'optional'),
    statusId: event.enumId('status_id', 'the finding status', FINDING_STATUS, 'optional'),
    detection,
    asset,
    userUid,
    observables: event.objects('observables', 'observables', MAX_OBSERVABLES_PER_FINDING, 'optional').map((observable) => ({
      name: observable.string('name', { what: 'the observable\'s name, e.g. "device.ip"' }),
      typeId: observable.integer('type_id', 'the observable type', { min: 0, max: 65535 }) ?? 0,
      value: observable.string('value', { what: "the observable's value", max: 4096 }),
    })),
  };
}

function detectionOf(info: Fields, analytic: Fields | undefined, analyticName: string | undefined): string {
  const analyticUid = analytic?.uid('uid', "the analytic's (rule's) unique id", 'optional');
  if (analyticUid !== undefined) return `analytic:${analyticUid}`;
  if (analyticName !== undefined) return `analytic-name:${analyticName}`;
  const [type] = info.strings('types', { what: 'a finding type', max: 256, maxItems: 20 });
  if (type !== undefined) return `type:${type}`;
  throw new EventRejected(
    RejectionCode.MISSING_FIELD,
    `${info.at('analytic.uid')}, ${info.at('analytic.name')} or ${info.at('types')} is required: the detection (rule or finding type) that correlates findings into an incident`,
  );
}

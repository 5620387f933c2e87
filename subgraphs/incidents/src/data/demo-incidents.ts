import { generateDemoData, type DemoIncident } from '../../../../demo-data';
import type { IncidentDocument } from './incident-document';
import { SEVERITY_ID } from './severity';

/** The demo incidents of every tenant at a scale, as the incidents collection stores them. */
export function demoIncidentDocuments(scale: number): IncidentDocument[] {
  return generateDemoData({ scale }).incidents.map(incidentDocumentOf);
}

function incidentDocumentOf(incident: DemoIncident): IncidentDocument {
  return {
    tenant: incident.tenant,
    uid: incident.uid,
    title: incident.title,
    description: incident.description,
    severity: incident.severity,
    severityId: SEVERITY_ID[incident.severity],
    status: incident.status,
    verdict: incident.verdict,
    priority: incident.priority,
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
    resolvedAt: incident.resolvedAt,
    closedAt: incident.closedAt,
    assigneeUid: incident.assigneeUid,
    assigneeGroupUid: incident.assigneeGroupUid,
    affectedAssets: incident.affectedAssets.map(({ uid, role }) => ({ uid, role })),
    affectedUserUids: [...incident.affectedUserUids],
    findings: incident.findings.map((finding) => ({ ...finding, observables: finding.observables.map((observable) => ({ ...observable })) })),
    timeline: incident.timeline.map((entry) => ({ ...entry })),
  };
}
